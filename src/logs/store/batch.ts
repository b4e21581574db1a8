// A batch: what the queue hands on, the spool appends and the writer commits. Apart from both so
// that the spool (main thread, no SQLite) and the writer (worker thread) share it without
// importing each other.
import type { LogSource } from './stored-line.js';

/** A run of complete `\n`-terminated lines of one instance/stream, at `bytes[start, end)`. */
export interface ChunkMeta {
  tsUs: number;
  instance: string;
  source: LogSource;
  stream: string;
  start: number;
  end: number;
}

/** The queue's arena (each chunk preceded by its spool record header) and its chunks. */
export interface Batch {
  bytes: Uint8Array;
  chunks: ChunkMeta[];
}
