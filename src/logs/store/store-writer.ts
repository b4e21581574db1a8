// The write side of the store: batches of chunks in, rows out; FTS indexing and retention pruning
// in small slices. Synchronous and single-threaded: it runs inside the store worker (store-worker.ts)
// so that SQLite never holds up the event loop that reads the children's pipes.
import type { Db } from './store-db.js';
import type { Retention } from './retention.js';
// dozen's lines about web.1 get type web (so `--ps web` shows them); the others are dozen/dozen.
import { typeOfInstance, type LogSource } from './stored-line.js';

/** A run of complete `\n`-terminated lines of one instance/stream, at `bytes[start, end)`. */
export interface ChunkMeta {
  tsUs: number;
  instance: string;
  source: LogSource;
  stream: string;
  start: number;
  end: number;
}

export interface Batch {
  bytes: Uint8Array;
  chunks: ChunkMeta[];
}

/** Rows per FTS indexing slice and per pruning slice: each is one short transaction. */
export const INDEX_SLICE = 4000;
export const PRUNE_SLICE = 5000;

// CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks): the terminal shows
// them, the store keeps plain searchable text.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** The lines of one chunk, without newlines, `\r` endings or terminal escape codes. */
export function chunkLines(bytes: Uint8Array, start: number, end: number): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  let text = buf.toString('utf8');
  if (buf.includes(0x1b)) text = text.replace(ANSI, '');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the chunk's final newline
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/**
 * Every transaction is IMMEDIATE: `dozen logs` may index a crash's backlog while a new dozen
 * writes, and each must read `fts_indexed_to` under the write lock.
 */
export class StoreWriter {
  private readonly insert;
  private readonly lastId;
  private readonly getIndexedTo;
  private readonly setIndexedTo;
  private readonly indexRange;
  private readonly bounds;
  private readonly unindexFts;
  private readonly deleteRows;

  constructor(
    private readonly db: Db,
    private readonly retention: Retention,
  ) {
    // One statement per chunk: json_each expands the chunk's lines inside SQLite, 2-3x faster
    // than one bound insert per line from JavaScript.
    this.insert = db.prepare(
      'INSERT INTO lines(ts, instance, type, source, stream, text) SELECT ?, ?, ?, ?, ?, value FROM json_each(?)',
    );
    this.lastId = db.prepare('SELECT coalesce(max(id), 0) AS id FROM lines').pluck();
    this.getIndexedTo = db.prepare("SELECT value FROM meta WHERE key = 'fts_indexed_to'").pluck();
    this.setIndexedTo = db.prepare("UPDATE meta SET value = ? WHERE key = 'fts_indexed_to'");
    this.indexRange = db.prepare('INSERT INTO lines_fts(rowid, text) SELECT id, text FROM lines WHERE id > ? AND id <= ?');
    this.bounds = db.prepare('SELECT coalesce(min(id), 0) AS lo, coalesce(max(id), 0) AS hi FROM lines');
    // External-content FTS5 must be told the old text of a row it forgets.
    this.unindexFts = db.prepare(
      "INSERT INTO lines_fts(lines_fts, rowid, text) SELECT 'delete', id, text FROM lines WHERE id >= ? AND id <= ? AND id <= ? AND (id <= ? OR ts < ?)",
    );
    this.deleteRows = db.prepare('DELETE FROM lines WHERE id >= ? AND id <= ? AND (id <= ? OR ts < ?)');
  }

  /** Stores a batch in one transaction. Returns the id of the last row and the number of lines. */
  write(batch: Batch): { lastId: number; lines: number } {
    let lines = 0;
    this.db.transaction(() => {
      for (const c of batch.chunks) {
        const texts = chunkLines(batch.bytes, c.start, c.end);
        if (texts.length === 0) continue;
        lines += texts.length;
        this.insert.run(c.tsUs, c.instance, typeOfInstance(c.instance), c.source, c.stream, JSON.stringify(texts));
      }
    }).immediate();
    return { lastId: this.lastId.get() as number, lines };
  }

  /** Indexes up to `max` rows the FTS index has not seen yet. Returns how many it indexed. */
  indexSlice(max = INDEX_SLICE): number {
    let done = 0;
    this.db.transaction(() => {
      const from = this.getIndexedTo.get() as number;
      const hi = this.lastId.get() as number;
      if (hi <= from) return;
      const to = Math.min(hi, from + max);
      this.indexRange.run(from, to);
      this.setIndexedTo.run(to);
      done = to - from;
    }).immediate();
    return done;
  }

  /** True when every stored row is in the FTS index. */
  fullyIndexed(): boolean {
    return (this.getIndexedTo.get() as number) >= (this.lastId.get() as number);
  }

  /**
   * Deletes up to PRUNE_SLICE of the oldest rows that are beyond the retention (too old, or more
   * than `maxLines` behind the newest). Returns how many it deleted; 0 means nothing left to prune.
   */
  pruneSlice(nowMs: number = Date.now()): number {
    let deleted = 0;
    this.db.transaction(() => {
      const { lo, hi } = this.bounds.get() as { lo: number; hi: number };
      if (hi === 0) return;
      const windowEnd = lo + PRUNE_SLICE - 1;
      const overCount = hi - this.retention.maxLines; // rows with id <= this are beyond the count
      const cutoffUs = (nowMs - this.retention.maxAgeMs) * 1000;
      const indexedTo = this.getIndexedTo.get() as number;
      this.unindexFts.run(lo, windowEnd, indexedTo, overCount, cutoffUs);
      deleted = this.deleteRows.run(lo, windowEnd, overCount, cutoffUs).changes;
    }).immediate();
    return deleted;
  }
}
