// The in-memory queue between the supervisor's event listener and the store worker.
//
// The listener's cost per output event is one memcpy into an arena and one small record: no line
// splitting, no string decoding (that happens in the worker). A batch is the arena plus its
// records; its ArrayBuffer is transferred to the worker, not cloned. In the arena each chunk is
// preceded by its spool record header (spool.ts), so the arena is also what the spool appends,
// in one write; then the arena is kept for the next batch. The queue is bounded: past
// `maxBytes` new chunks are dropped and their lines counted, so a disk that cannot keep up costs
// lines in the store, never memory without bound or time on the terminal path.
import type { Batch, ChunkMeta } from './batch.js';
import type { LogSource } from './stored-line.js';
import { recordHeaderLength, writeRecordHeader } from './spool.js';

const INITIAL_ARENA = 1 << 20;
const SHRINK_AFTER = 8;

export class ChunkQueue {
  private arena = Buffer.allocUnsafeSlow(INITIAL_ARENA);
  private used = 0;
  private chunks: ChunkMeta[] = [];
  /** Lines dropped since the last `takeDropped()`. */
  private dropped = 0;
  private smallTakes = 0;
  /** Encoded names (instances, streams): a handful, each encoded once. */
  private readonly names = new Map<string, Buffer>();

  constructor(private readonly maxBytes: number = 64 << 20) {}

  get bytes(): number {
    return this.used;
  }

  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  /** Queues `data` (complete `\n`-terminated lines). Returns false if it was dropped. */
  push(tsUs: number, instance: string, source: LogSource, stream: string, data: Uint8Array): boolean {
    const streamBytes = this.name(stream);
    const instanceBytes = this.name(instance);
    const need = this.used + recordHeaderLength(streamBytes, instanceBytes) + data.length;
    if (need > this.maxBytes) {
      this.dropped += countNewlines(data);
      return false;
    }
    if (need > this.arena.length) this.grow(need);
    const start = writeRecordHeader(this.arena, this.used, tsUs, source, streamBytes, instanceBytes, data.length);
    this.arena.set(data, start);
    this.chunks.push({ tsUs, instance, source, stream, start, end: need });
    this.used = need;
    return true;
  }

  /** Queues dozen's own text (one or more lines, newline added). */
  pushText(tsUs: number, instance: string, source: LogSource, stream: string, text: string): boolean {
    return this.push(tsUs, instance, source, stream, Buffer.from(text.endsWith('\n') ? text : `${text}\n`));
  }

  /**
   * Hands out everything queued. With `transfer` the caller transfers `bytes.buffer` and a new
   * arena is started; without, the caller is done with the batch before the next push (the spool
   * writes it at once) and the arena is kept, unless a flood grew it and batches have been small since.
   */
  take(transfer = true): Batch | undefined {
    if (this.chunks.length === 0) return undefined;
    const batch: Batch = { bytes: this.arena.subarray(0, this.used), chunks: this.chunks };
    // A grown arena is given back after SHRINK_AFTER small batches in a row (the flood is over).
    this.smallTakes = this.used < INITIAL_ARENA / 4 ? this.smallTakes + 1 : 0;
    if (transfer || (this.arena.length > INITIAL_ARENA && this.smallTakes >= SHRINK_AFTER)) this.arena = Buffer.allocUnsafeSlow(INITIAL_ARENA);
    this.used = 0;
    this.chunks = [];
    return batch;
  }

  /** The number of lines dropped since the last call, and resets it. */
  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }

  private name(s: string): Buffer {
    let b = this.names.get(s);
    if (!b) this.names.set(s, (b = Buffer.from(s)));
    return b;
  }

  private grow(need: number): void {
    let size = this.arena.length * 2;
    while (size < need) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(Math.min(size, Math.max(need, this.maxBytes)));
    this.arena.copy(bigger, 0, 0, this.used);
    this.arena = bigger;
  }
}

function countNewlines(data: Uint8Array): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}
