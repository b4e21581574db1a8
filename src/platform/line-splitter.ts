// Turns the bytes of ONE child stream into chunks of complete lines.
//
// Hot path: one `onChunk` per read, holding every complete line of that read, as a subarray of the
// read buffer (no copy, no per-line work). When a partial line was pending, the line it completes
// comes first as a chunk of its own (a small copy), so a 64 KiB read is never copied just to put a
// few pending bytes before it. Lines are split on `\n` bytes only, so a UTF-8 character is never
// cut where a line ends.
//
// A partial line (no `\n` yet) is held until its newline arrives, `idleMs` pass without new bytes,
// it reaches `maxLineBytes`, or `end()`. Idle means no bytes although we were reading: the flush
// waits one more turn of the event loop after the timer (when our process was stalled, timers
// run before the reads that were waiting), and `pause()` stops the clock while the consumer
// does not read (backpressure). The idle timer is armed once and re-armed lazily when it fires
// early (bytes came since), not cleared and set again on every read of a busy stream. When dozen has to cut a line it appends a `\n` itself and
// sets `partial: true`, meaning "the next chunk of this stream continues this line" — the printer
// marks the continuation, nothing is dropped. A cut never falls inside a UTF-8 sequence: an
// incomplete trailing sequence is held back until its remaining bytes arrive.

/** How long a partial line waits for more bytes before it is emitted, unless told otherwise. */
export const DEFAULT_IDLE_MS = 100;

const NL = 0x0a;
const NEWLINE = Buffer.from('\n');

/** Time and timer functions, injectable so tests drive idle flushes with a manual clock. */
export interface SplitterTimers {
  /** Milliseconds, monotonic enough to measure the idle time. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Run `fn` after the I/O callbacks of this turn of the event loop. */
  setImmediate(fn: () => void): void;
}

export interface LineSplitterOptions {
  /** Emit a pending partial line after this long without new bytes (default 100 ms). */
  idleMs?: number;
  /** Longer lines are emitted in pieces of at most this size (default 1 MiB). */
  maxLineBytes?: number;
  /**
   * Receives one or more complete lines, each ending in `\n`. `partial` is true when the chunk
   * is one piece of a line that dozen cut (idle or too long): it ends in a `\n` dozen added and
   * the next chunk of this stream continues the same line.
   */
  onChunk: (data: Buffer, partial: boolean) => void;
  timers?: SplitterTimers;
}

const defaultTimers: SplitterTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (fn) => void setImmediate(fn),
};

export class LineSplitter {
  private readonly idleMs: number;
  private readonly maxLineBytes: number;
  private readonly onChunk: (data: Buffer, partial: boolean) => void;
  private readonly timers: SplitterTimers;
  /** Bytes of the unfinished line, kept as parts so a long line arriving in many reads costs one copy. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private idleTimer: unknown = undefined;
  /** When the pending partial line last received bytes (or reading resumed): idle counts from here. */
  private pendingSince = 0;
  private ended = false;
  private paused = false;
  /** Counts pushes, so a deferred idle flush can tell that bytes came in meanwhile. */
  private pushes = 0;

  constructor(opts: LineSplitterOptions) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.maxLineBytes = opts.maxLineBytes ?? 1024 * 1024;
    if (!(this.maxLineBytes >= 4)) throw new RangeError(`maxLineBytes must be at least 4, got ${this.maxLineBytes}`);
    this.onChunk = opts.onChunk;
    this.timers = opts.timers ?? defaultTimers;
  }

  /** Feed one read of the child's stream. The buffer is not kept (a tail is copied). */
  push(buf: Buffer): void {
    if (this.ended) throw new Error('LineSplitter.push() after end()');
    if (buf.length === 0) return;
    this.pushes++;
    const last = buf.lastIndexOf(NL);
    if (last === -1) {
      this.addPending(buf);
      return;
    }
    let head = buf.subarray(0, last + 1);
    if (this.pendingBytes > 0) {
      // The pending line ends at the first newline: it goes first, alone (or in marked pieces
      // when too long), then the rest of the read as a view.
      const firstNl = buf.indexOf(NL);
      this.appendPending(buf.subarray(0, firstNl + 1));
      if (this.pendingBytes > this.maxLineBytes) this.cutLongPending(true);
      else this.onChunk(this.takePending(), false);
      head = buf.subarray(firstNl + 1, last + 1);
    }
    if (head.length > 0) this.emitLines(head);
    // An armed idle timer is left to fire: it finds nothing pending, or a newer partial line.
    if (last + 1 < buf.length) this.addPending(buf.subarray(last + 1));
  }

  /** Emit the pending partial line now (completed with `\n`), except an unfinished UTF-8 sequence. */
  flushPartial(): void {
    this.stopIdleTimer();
    if (this.pendingBytes === 0) return;
    const line = this.takePending();
    const cut = utf8SafeEnd(line, line.length);
    if (cut < line.length) this.appendPending(Buffer.from(line.subarray(cut)));
    if (cut > 0) this.emitPiece(line.subarray(0, cut), true);
  }

  /** The consumer stopped reading the stream (backpressure): a partial line is not idle meanwhile. */
  pause(): void {
    this.paused = true;
    this.stopIdleTimer();
  }

  /** Reading again: the idle wait for a pending partial line starts over. */
  resume(): void {
    this.paused = false;
    if (this.pendingBytes > 0 && !this.ended) this.armIdleTimer();
  }

  /** The stream closed: emit whatever is pending (completed with `\n`). Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopIdleTimer();
    if (this.pendingBytes === 0) return;
    // Nothing follows, so this last piece is not a continuation: partial is false.
    this.emitPiece(this.takePending(), false);
  }

  /** Emit complete lines, cutting any longer than maxLineBytes (only possible for big pushes). */
  private emitLines(lines: Buffer): void {
    if (lines.length <= this.maxLineBytes) {
      this.onChunk(lines, false);
      return;
    }
    // Rare: find over-long lines; emit runs of normal lines between them as one chunk each.
    let runStart = 0;
    let pos = 0;
    while (pos < lines.length) {
      const nl = lines.indexOf(NL, pos);
      const end = nl + 1; // `lines` ends in `\n`, so nl is never -1 here
      if (end - pos > this.maxLineBytes) {
        if (pos > runStart) this.onChunk(lines.subarray(runStart, pos), false);
        this.emitLongLine(lines.subarray(pos, end));
        runStart = end;
      }
      pos = end;
    }
    if (runStart < lines.length) this.onChunk(lines.subarray(runStart), false);
  }

  /** One line (ending in `\n`) longer than maxLineBytes: pieces marked partial, the last not. */
  private emitLongLine(line: Buffer): void {
    let start = 0;
    while (line.length - start > this.maxLineBytes) {
      const cut = this.pieceEnd(line, start);
      this.emitPiece(line.subarray(start, cut), true);
      start = cut;
    }
    this.onChunk(line.subarray(start), false);
  }

  private addPending(bytes: Buffer): void {
    // Copy: the caller may reuse its buffer, and a small copy frees the large read buffer.
    this.appendPending(Buffer.from(bytes));
    if (this.pendingBytes >= this.maxLineBytes) this.cutLongPending(false);
    if (this.pendingBytes > 0) this.armIdleTimer();
  }

  /**
   * Emit full-size pieces of the pending line while it exceeds maxLineBytes. With `complete`,
   * the pending line ends in its own `\n` and is emitted entirely (its last piece not partial).
   */
  private cutLongPending(complete: boolean): void {
    const line = this.takePending();
    let start = 0;
    while (line.length - start >= this.maxLineBytes + (complete ? 1 : 0)) {
      const cut = this.pieceEnd(line, start);
      this.emitPiece(line.subarray(start, cut), true);
      start = cut;
    }
    if (complete) this.onChunk(line.subarray(start), false);
    else if (start < line.length) this.appendPending(line.subarray(start));
  }

  /** Where a piece starting at `start` ends: maxLineBytes on, moved back to a character boundary. */
  private pieceEnd(line: Buffer, start: number): number {
    const end = start + this.maxLineBytes;
    const safe = utf8SafeEnd(line, end);
    return safe > start ? safe : end;
  }

  /** A piece without its own `\n`: complete it (one copy; pieces are rare). */
  private emitPiece(bytes: Buffer, partial: boolean): void {
    if (bytes.length > 0 && bytes[bytes.length - 1] === NL) {
      this.onChunk(bytes, partial);
      return;
    }
    this.onChunk(Buffer.concat([bytes, NEWLINE], bytes.length + 1), partial);
  }

  private appendPending(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private takePending(): Buffer {
    const line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.clearPending();
    return line;
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The pending partial line got bytes: idle counts from now; a timer already armed is kept. */
  private armIdleTimer(): void {
    if (this.paused) return;
    this.pendingSince = this.timers.now();
    if (this.idleTimer === undefined) this.setIdleTimer(this.idleMs);
  }

  private setIdleTimer(ms: number): void {
    this.idleTimer = this.timers.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.pendingBytes === 0 || this.paused || this.ended) return;
      const left = this.pendingSince + this.idleMs - this.timers.now();
      if (left > 0) {
        this.setIdleTimer(left); // bytes came since the timer was armed: wait the rest
        return;
      }
      // Let reads that were already waiting run first; flush only if none brought bytes.
      const pushes = this.pushes;
      this.timers.setImmediate(() => {
        if (this.pushes === pushes && !this.paused && !this.ended) this.flushPartial();
      });
    }, ms);
  }

  private stopIdleTimer(): void {
    if (this.idleTimer === undefined) return;
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/**
 * The largest index <= `end` that does not fall inside a UTF-8 sequence of `buf`: if the bytes
 * just before `end` are an unfinished multi-byte sequence, the index of its lead byte.
 * Invalid bytes are left alone (never held back forever).
 */
export function utf8SafeEnd(buf: Buffer, end: number): number {
  // Walk back over at most 3 continuation bytes (10xxxxxx) to the lead byte.
  let i = end - 1;
  const stop = Math.max(0, end - 4);
  while (i >= stop && (buf[i]! & 0xc0) === 0x80) i--;
  if (i < stop || i < 0) return end;
  const lead = buf[i]!;
  const need = lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf8 ? 4 : 1;
  return end - i < need ? i : end;
}
