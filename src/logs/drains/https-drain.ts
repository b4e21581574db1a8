// `https://[user:password@]host/path`: Heroku-style HTTPS drain. Lines are batched into POSTs whose
// body is octet-counted RFC 5424 frames, with `Content-Type: application/logplex-1`,
// `Logplex-Msg-Count` and a `Logplex-Frame-Id` that a retried batch keeps (receivers can drop the
// duplicate). One request at a time; a failed batch is retried with backoff while new lines wait
// in the bounded queue.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:https';
import { Backoff, DEFAULT_DRAIN_BYTES, OutageReporter, type Drain, type DrainOptions, type DrainStats } from './drain.js';
import { DrainQueue } from './drain-queue.js';
import { drainSecureContext } from './extra-ca-certs.js';
import { octetFrame, syslogMessage } from './syslog-frame.js';
import type { LogSource } from '../store/stored-line.js';

/** Lines per POST at most (Logplex sends up to a few hundred). */
const BATCH_LINES = 500;
/** How long lines may wait to be batched. */
const BATCH_MS = 250;
const REQUEST_TIMEOUT_MS = 15_000;

interface Pending {
  frameId: string;
  count: number;
  body: Buffer;
}

export class HttpsDrain implements Drain {
  readonly display: string;
  private readonly queue: DrainQueue;
  private readonly backoff: Backoff;
  private readonly outage: OutageReporter;
  /** Made with the first request: its trusted certificates take a while to parse. */
  private agent: Agent | undefined;
  private pending: Pending | undefined;
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private delivered = 0;
  private ok = true;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly target: { url: string; authorization: string | undefined; display: string },
    private readonly opts: DrainOptions,
  ) {
    this.display = target.display;
    this.queue = new DrainQueue(opts.maxBytes ?? DEFAULT_DRAIN_BYTES);
    this.backoff = new Backoff(opts.backoff);
    this.outage = new OutageReporter(this.display, opts.onMessage);
  }

  enqueue(tsUs: number, instance: string, source: LogSource, stream: string, data: Buffer): void {
    if (this.closing) return;
    this.queue.push(tsUs, instance, source, stream, data);
    if (!this.timer && !this.inFlight) this.timer = setTimeout(() => this.send(), BATCH_MS);
  }

  stats(): DrainStats {
    return { connected: this.ok, delivered: this.delivered, dropped: this.queue.dropped, queued: !this.queue.isEmpty || this.pending !== undefined };
  }

  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    await new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, timeoutMs);
      this.onIdle = () => {
        clearTimeout(bound);
        resolve();
      };
      // Deliver what is left now, unless the receiver is failing (no point waiting out a backoff).
      if (!this.ok && !this.inFlight) this.onIdle();
      else if (!this.inFlight) {
        if (this.timer) clearTimeout(this.timer);
        this.send();
      }
    });
    if (this.timer) clearTimeout(this.timer);
    this.agent?.destroy();
    let left = this.pending?.count ?? 0;
    this.pending = undefined;
    for (let lines = this.queue.take(10_000); lines.length > 0; lines = this.queue.take(10_000)) left += lines.length;
    this.outage.dropped(this.queue.takeDropped() + left);
  }

  private newAgent(): Agent {
    const secureContext = drainSecureContext(this.opts.ca, (text) => this.opts.onMessage(text, 'warn'));
    return new Agent({ keepAlive: true, maxSockets: 1, ...(secureContext ? { secureContext } : {}) });
  }

  private send(): void {
    this.timer = undefined;
    if (this.inFlight) return;
    if (!this.pending) {
      const lines = this.queue.take(BATCH_LINES);
      if (lines.length === 0) {
        this.outage.dropped(this.queue.takeDropped());
        this.onIdle?.();
        return;
      }
      let body = '';
      for (const line of lines) body += octetFrame(syslogMessage(line, this.opts));
      this.pending = { frameId: randomUUID(), count: lines.length, body: Buffer.from(body) };
    }
    const batch = this.pending;
    this.inFlight = true;
    const req = request(this.target.url, {
      method: 'POST',
      agent: (this.agent ??= this.newAgent()),
      timeout: REQUEST_TIMEOUT_MS,
      headers: {
        'Content-Type': 'application/logplex-1',
        'Content-Length': batch.body.length,
        'Logplex-Msg-Count': String(batch.count),
        'Logplex-Frame-Id': batch.frameId,
        'User-Agent': 'dozen',
        ...(this.target.authorization ? { Authorization: this.target.authorization } : {}),
      },
    });
    const done = (failure: string | undefined) => {
      if (!this.inFlight) return;
      this.inFlight = false;
      if (failure === undefined) {
        this.delivered += batch.count;
        this.pending = undefined;
        this.ok = true;
        this.backoff.reset();
        this.outage.recovered();
        setImmediate(() => this.send()); // more may be queued; send() says when it is idle
        return;
      }
      this.ok = false;
      this.outage.failed(failure);
      if (this.closing) this.onIdle?.();
      else this.timer = setTimeout(() => this.send(), this.backoff.delay());
    };
    req.on('response', (res) => {
      res.resume(); // the body does not matter, only the status
      const status = res.statusCode ?? 0;
      res.on('end', () => done(status >= 200 && status < 300 ? undefined : `HTTP ${status}`));
      res.on('error', (err) => done(err.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    req.end(batch.body);
  }
}
