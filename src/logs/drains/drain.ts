// What every drain (syslog TCP/TLS, HTTPS) offers the fan-out in attach-drains.ts, and the policy
// they share: a bounded queue, reconnect with exponential backoff, one message per outage.
import type { LogSource } from '../store/stored-line.js';

export interface Drain {
  /** The URL without any password, for messages. */
  readonly display: string;
  /** Queues complete `\n`-terminated lines; never blocks, never throws. */
  enqueue(tsUs: number, instance: string, source: LogSource, stream: string, data: Buffer): void;
  /** Delivers what it can within `timeoutMs`, reports what was dropped, closes the connection. */
  close(timeoutMs: number): Promise<void>;
  stats(): DrainStats;
}

export interface DrainStats {
  connected: boolean;
  /** Lines handed to the connection (TCP) or acknowledged with a 2xx (HTTPS). */
  delivered: number;
  /** Lines dropped and not yet reported. */
  dropped: number;
  queued: boolean;
}

export interface DrainOptions {
  hostname: string;
  appName: string;
  /** dozen's own notices: unreachable, dropped lines. */
  onMessage: (text: string, level: 'info' | 'warn' | 'error') => void;
  /** Queue bound (default 8 MiB of log text); the oldest lines go first. */
  maxBytes?: number;
  /** Extra trusted CA certificates (PEM) for TLS drains, besides the system's. */
  ca?: string;
  /** Reconnect delays: initial, doubled after each failure, capped (default 500 ms .. 30 s). */
  backoff?: { initialMs: number; maxMs: number };
}

export const DEFAULT_DRAIN_BYTES = 8 << 20;

/** Exponential backoff: 500 ms, 1 s, 2 s ... capped; `reset` after a success. */
export class Backoff {
  private next: number;

  constructor(private readonly b: { initialMs: number; maxMs: number } = { initialMs: 500, maxMs: 30_000 }) {
    this.next = b.initialMs;
  }

  delay(): number {
    const d = this.next;
    this.next = Math.min(this.next * 2, this.b.maxMs);
    return d;
  }

  reset(): void {
    this.next = this.b.initialMs;
  }
}

/**
 * One "unreachable" notice when an outage starts and one "dropped" notice per episode of drops
 * (said when the drain catches up or closes), however long the outage lasts.
 */
export class OutageReporter {
  private down = false;

  constructor(
    private readonly display: string,
    private readonly say: DrainOptions['onMessage'],
  ) {}

  failed(reason: string): void {
    if (this.down) return;
    this.down = true;
    this.say(`drain ${this.display}: unreachable (${reason}); buffering lines and retrying`, 'warn');
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.say(`drain ${this.display}: delivering again`, 'info');
  }

  dropped(lines: number): void {
    if (lines > 0) this.say(`drain ${this.display}: ${lines} lines were dropped (its buffer was full)`, 'warn');
  }
}
