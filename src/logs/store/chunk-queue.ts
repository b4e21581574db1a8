// The in-memory queue between the supervisor's event listener and the store worker.
//
// The listener's cost per output event is one memcpy into an arena and one small record: no line
// splitting, no string decoding (that happens in the worker). A batch is the arena plus its
// records; its ArrayBuffer is transferred to the worker, not cloned. The queue is bounded: past
// `maxBytes` new chunks are dropped and their lines counted, so a disk that cannot keep up costs
// lines in the store, never memory without bound or time on the terminal path.
import type { Batch, ChunkMeta } from './store-writer.js';
import type { LogSource } from './stored-line.js';

const INITIAL_ARENA = 1 << 20;

export class ChunkQueue {
  private arena = new Uint8Array(INITIAL_ARENA);
  private used = 0;
  private chunks: ChunkMeta[] = [];
  /** Lines dropped since the last `takeDropped()`. */
  private dropped = 0;

  constructor(private readonly maxBytes: number = 64 << 20) {}

  get bytes(): number {
    return this.used;
  }

  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  /** Queues `data` (complete `\n`-terminated lines). Returns false if it was dropped. */
  push(tsUs: number, instance: string, source: LogSource, stream: string, data: Uint8Array): boolean {
    const need = this.used + data.length;
    if (need > this.maxBytes) {
      this.dropped += countNewlines(data);
      return false;
    }
    if (need > this.arena.length) this.grow(need);
    this.arena.set(data, this.used);
    this.chunks.push({ tsUs, instance, source, stream, start: this.used, end: need });
    this.used = need;
    return true;
  }

  /** Queues dozen's own text (one or more lines, newline added). */
  pushText(tsUs: number, instance: string, source: LogSource, stream: string, text: string): boolean {
    return this.push(tsUs, instance, source, stream, Buffer.from(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Hands out everything queued (the caller transfers `bytes.buffer`) and starts a new arena. */
  take(): Batch | undefined {
    if (this.chunks.length === 0) return undefined;
    const batch: Batch = { bytes: this.arena.subarray(0, this.used), chunks: this.chunks };
    this.arena = new Uint8Array(INITIAL_ARENA);
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

  private grow(need: number): void {
    let size = this.arena.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(Math.min(size, Math.max(need, this.maxBytes)));
    bigger.set(this.arena.subarray(0, this.used));
    this.arena = bigger;
  }
}

function countNewlines(data: Uint8Array): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}
