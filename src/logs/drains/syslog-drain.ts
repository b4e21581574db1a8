// `syslog://host:port` and `syslog+tls://host:port`: RFC 5424 messages, RFC 6587 octet-counted,
// over one long-lived TCP (or TLS) connection. Socket backpressure keeps lines in the bounded
// queue; a lost connection is re-dialled with backoff. TCP syslog has no acknowledgement: lines
// written just before the receiver vanished may be lost with the connection.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import { Backoff, DEFAULT_DRAIN_BYTES, OutageReporter, type Drain, type DrainOptions, type DrainStats } from './drain.js';
import { DrainQueue } from './drain-queue.js';
import { drainSecureContext } from './extra-ca-certs.js';
import { octetFrame, syslogMessage } from './syslog-frame.js';
import type { LogSource } from '../store/stored-line.js';

/** Lines per socket write. */
const WRITE_LINES = 1000;

export class SyslogDrain implements Drain {
  readonly display: string;
  private readonly queue: DrainQueue;
  private readonly backoff: Backoff;
  private readonly outage: OutageReporter;
  private socket: Socket | undefined;
  private connected = false;
  private waitingForDrain = false;
  private pumpScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private delivered = 0;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly target: { tls: boolean; host: string; port: number; display: string },
    private readonly opts: DrainOptions,
  ) {
    this.display = target.display;
    this.queue = new DrainQueue(opts.maxBytes ?? DEFAULT_DRAIN_BYTES);
    this.backoff = new Backoff(opts.backoff);
    this.outage = new OutageReporter(this.display, opts.onMessage);
    this.dial();
  }

  enqueue(tsUs: number, instance: string, source: LogSource, stream: string, data: Buffer): void {
    if (this.closing) return;
    this.queue.push(tsUs, instance, source, stream, data);
    this.schedulePump();
  }

  stats(): DrainStats {
    return { connected: this.connected, delivered: this.delivered, dropped: this.queue.dropped, queued: !this.queue.isEmpty };
  }

  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (socket && this.connected) {
      // Write what is queued, then end the connection and wait for it to close (bounded).
      await new Promise<void>((resolve) => {
        const bound = setTimeout(() => {
          socket.destroy();
          resolve();
        }, timeoutMs);
        socket.once('close', () => {
          clearTimeout(bound);
          resolve();
        });
        this.onIdle = () => socket.end();
        this.pump();
      });
    } else {
      socket?.destroy();
    }
    // Whatever is still queued will never be delivered: it counts as dropped.
    let left = 0;
    for (let lines = this.queue.take(10_000); lines.length > 0; lines = this.queue.take(10_000)) left += lines.length;
    this.outage.dropped(this.queue.takeDropped() + left);
  }

  private dial(): void {
    const { host, port } = this.target;
    const secureContext = this.target.tls ? drainSecureContext(this.opts.ca, (text) => this.opts.onMessage(text, 'warn')) : undefined;
    const socket = this.target.tls
      ? tlsConnect({
          host,
          port,
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(secureContext ? { secureContext } : {}),
        })
      : netConnect({ host, port });
    this.socket = socket;
    let lastError = '';
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    socket.once(this.target.tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.backoff.reset();
      this.outage.recovered();
      this.schedulePump();
    });
    socket.on('data', () => undefined); // receivers do not talk; never let a reply fill the buffer
    socket.on('error', (err: NodeJS.ErrnoException) => (lastError = err.code ?? err.message));
    socket.on('end', () => socket.end());
    socket.once('close', () => {
      this.connected = false;
      this.waitingForDrain = false;
      this.socket = undefined;
      if (this.closing) return;
      this.outage.failed(lastError || 'connection closed');
      this.retryTimer = setTimeout(() => this.dial(), this.backoff.delay());
    });
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.connected) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Writes queued lines until the socket pushes back or the queue is empty. */
  private pump(): void {
    const socket = this.socket;
    while (socket && this.connected && !this.waitingForDrain) {
      const lines = this.queue.take(WRITE_LINES);
      if (lines.length === 0) {
        // Caught up: the moment to say how many lines an episode of drops cost.
        this.outage.dropped(this.queue.takeDropped());
        this.onIdle?.();
        return;
      }
      let text = '';
      for (const line of lines) text += octetFrame(syslogMessage(line, this.opts));
      this.delivered += lines.length;
      if (!socket.write(text)) {
        this.waitingForDrain = true;
        socket.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
      }
    }
  }
}
