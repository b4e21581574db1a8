// A store that has no room: the disk is full (ENOSPC) or the quota used up (EDQUOT). Storing
// stops, the lines meanwhile are counted, and a write is tried again after a backoff (1 s, 2 s,
// 4 s ... at most 30 s); once one succeeds, storing goes on and one line says how many were not
// stored. Time comes from the caller: no clock and no I/O here.
import type { Batch } from './batch.js';
import { countLines } from './chunk-text.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** Errors after which storing may work again once there is room. */
export function isNoRoom(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || (typeof code === 'string' && code.startsWith('SQLITE_FULL'));
}

export class StoreStall {
  private stalled: { reason: string; retryAt: number; retryMs: number } | undefined;
  private lost = 0;

  get isStalled(): boolean {
    return this.stalled !== undefined;
  }

  /** Whether a write should be tried now (always, unless stalled and before the next retry). */
  shouldTry(now: number): boolean {
    return this.stalled === undefined || now >= this.stalled.retryAt;
  }

  /** Counts the lines of a batch not written (stalled, or its write failed). */
  skip(batch: Batch | undefined): void {
    if (batch) for (const c of batch.chunks) this.lost += countLines(Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset + c.start, c.end - c.start));
  }

  /** A write failed for want of room: the notice to say the first time, undefined after. */
  failed(now: number, reason: string): string | undefined {
    const retryMs = this.stalled ? Math.min(this.stalled.retryMs * 2, MAX_RETRY_MS) : FIRST_RETRY_MS;
    const first = this.stalled === undefined;
    this.stalled = { reason, retryAt: now + retryMs, retryMs };
    return first ? `log store: ${reason}; lines are not stored until there is room (retrying)` : undefined;
  }

  /** A write succeeded: the notice to say when storing resumes after a stall, else undefined. */
  succeeded(): string | undefined {
    if (this.stalled === undefined) return undefined;
    const { reason } = this.stalled;
    const lost = this.lost;
    this.stalled = undefined;
    this.lost = 0;
    return `log store: storing again; ${lost} line${lost === 1 ? ' was' : 's were'} not stored (${reason})`;
  }
}
