// The write side of the store: batches of chunks in, one row per chunk out; FTS indexing and
// retention pruning in small slices. Synchronous and single-threaded: it runs inside the store
// worker (store-worker.ts) so that SQLite never holds up the event loop that reads the children.
import type { Batch, ChunkMeta } from './batch.js';
import { chunkText, countLines, linesOfChunk, splitLines } from './chunk-text.js';
import { ftsTags, type Db } from './store-db.js';
import type { Retention } from './retention.js';
import { readSpool, SPOOL_HEADER, spoolGeneration } from './spool.js';
// dozen's lines about web.1 get type web (so `--ps web` shows them); the others are dozen/dozen.
import { typeOfInstance, type ChunkRow, type StoredLine } from './stored-line.js';

/** Lines per FTS indexing slice and per pruning slice (whole chunks): each one short transaction. */
export const INDEX_SLICE = 4000;
export const PRUNE_SLICE = 5000;

/** The columns the indexer and the pruner read (no stream). */
type IndexedChunk = Omit<ChunkRow, 'stream'>;

/**
 * Every transaction is IMMEDIATE: `dozen logs` may index a crash's backlog while a new dozen
 * writes, and each must read `fts_indexed_to` under the write lock.
 */
export class StoreWriter {
  private readonly insert;
  private readonly nextLineStmt;
  private readonly setNextLine;
  private readonly getIndexedTo;
  private readonly setIndexedTo;
  private readonly chunksAfter;
  private readonly ftsInsert;
  private readonly ftsDelete;
  private readonly oldest;
  private readonly deleteChunk;
  private readonly addInstance;
  private readonly getMeta;
  private readonly setMeta;
  /** Instances already in `instances` (this connection's view). */
  private readonly known = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly retention: Retention,
  ) {
    this.insert = db.prepare('INSERT INTO chunks(id, lines, ts, instance, type, source, stream, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    // Kept in meta, not derived from the last chunk: pruning may empty the table, and line numbers
    // (FTS rowids, --tail cursors) must never be reused.
    this.nextLineStmt = db.prepare("SELECT value FROM meta WHERE key = 'next_line'").pluck();
    this.setNextLine = db.prepare("UPDATE meta SET value = ? WHERE key = 'next_line'");
    this.getIndexedTo = db.prepare("SELECT value FROM meta WHERE key = 'fts_indexed_to'").pluck();
    this.setIndexedTo = db.prepare("UPDATE meta SET value = ? WHERE key = 'fts_indexed_to'");
    this.chunksAfter = db.prepare('SELECT id, lines, ts, instance, type, source, text FROM chunks WHERE id > ? ORDER BY id LIMIT ?');
    this.ftsInsert = db.prepare('INSERT INTO lines_fts(rowid, text, ps) VALUES (?, ?, ?)');
    // A contentless FTS5 index must be told the old values of a line it forgets.
    this.ftsDelete = db.prepare("INSERT INTO lines_fts(lines_fts, rowid, text, ps) VALUES ('delete', ?, ?, ?)");
    this.oldest = db.prepare('SELECT id, lines, ts, instance, type, source, text FROM chunks ORDER BY id LIMIT ?');
    this.addInstance = db.prepare('INSERT OR IGNORE INTO instances(instance, type) VALUES (?, ?)');
    this.deleteChunk = db.prepare('DELETE FROM chunks WHERE id = ?');
    // How far the spool (spool.ts) has been moved in: its generation and offset.
    db.exec("INSERT OR IGNORE INTO meta(key, value) VALUES ('spool_gen', 0), ('spool_offset', 0)");
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.setMeta = db.prepare('UPDATE meta SET value = ? WHERE key = ?');
  }

  /** The number the next stored line gets (1 in an empty store). */
  nextLine(): number {
    return this.nextLineStmt.get() as number;
  }

  /**
   * Stores a batch in one transaction: one row per chunk. Returns the last line number and the
   * count; with `keepLines`, also the lines as stored (numbered), once the transaction committed.
   */
  write(batch: Batch, keepLines = false): { lastId: number; lines: number; stored?: StoredLine[] } {
    let out = { lastId: 0, lines: 0 };
    const rows: ChunkRow[] | undefined = keepLines ? [] : undefined;
    this.db.transaction(() => {
      out = this.insertChunks(batch.chunks.map((c) => ({ ...c, text: chunkText(batch.bytes, c.start, c.end) })), rows);
    }).immediate();
    return rows ? { ...out, stored: rows.flatMap(linesOfChunk) } : out;
  }

  /**
   * Moves what the spool at `path` holds beyond what was moved before into the store, in
   * transactions of about `sliceBytes`; each also records how far it got, so a line is moved once
   * whoever moves it and whenever it dies. Returns the lines moved and whether the spool is now
   * wholly in the store (false when there is no spool).
   */
  ingestSpool(path: string, sliceBytes = 8 << 20): { lastId: number; lines: number; complete: boolean } {
    let total = 0;
    let lastId = this.nextLine() - 1;
    for (;;) {
      let done = true;
      let found = false;
      this.db.transaction(() => {
        const gen = this.getMeta.get('spool_gen') as number;
        const offset = this.getMeta.get('spool_offset') as number;
        const headGen = spoolGeneration(path);
        if (headGen === undefined) return;
        found = true;
        const from = headGen === gen ? offset : SPOOL_HEADER;
        const spool = readSpool(path, from, sliceBytes);
        if (!spool || spool.gen !== headGen) return;
        const out = this.insertChunks(
          spool.records.map((r) => ({ tsUs: r.tsUs, instance: r.instance, source: r.source, stream: r.stream, text: chunkText(r.data, 0, r.data.length) })),
        );
        total += out.lines;
        lastId = out.lastId;
        this.setMeta.run(spool.gen, 'spool_gen');
        this.setMeta.run(spool.end, 'spool_offset');
        done = spool.end >= spool.size || spool.records.length === 0; // a record being written stays for later
      }).immediate();
      if (!found) return { lastId, lines: total, complete: false };
      if (done) return { lastId, lines: total, complete: true };
    }
  }

  /** Inserts chunks from line nextLine() on; inside the caller's transaction. */
  private insertChunks(chunks: Array<Omit<ChunkMeta, 'start' | 'end'> & { text: Buffer | string }>, rows?: ChunkRow[]): { lastId: number; lines: number } {
    let total = 0;
    let next = this.nextLine();
    for (const c of chunks) {
      const text = c.text;
      const lines = countLines(text);
      if (lines === 0) continue;
      const type = typeOfInstance(c.instance);
      this.insert.run(next, lines, c.tsUs, c.instance, type, c.source, c.stream, text);
      rows?.push({ id: next, lines, ts: c.tsUs, instance: c.instance, type, source: c.source, stream: c.stream, text });
      if (!this.known.has(c.instance)) {
        this.addInstance.run(c.instance, type);
        this.known.add(c.instance);
      }
      next += lines;
      total += lines;
    }
    this.setNextLine.run(next);
    return { lastId: next - 1, lines: total };
  }

  /** Indexes whole chunks, about `max` lines, that the FTS index has not seen yet. Returns the line count. */
  indexSlice(max = INDEX_SLICE): number {
    let done = 0;
    this.db.transaction(() => {
      let from = this.getIndexedTo.get() as number;
      while (done < max) {
        const rows = this.chunksAfter.all(from, 64) as IndexedChunk[];
        if (rows.length === 0) break;
        for (const row of rows) {
          const tags = ftsTags(row.instance, row.type, row.source);
          splitLines(row.text).forEach((line, i) => this.ftsInsert.run(row.id + i, line, tags));
          from = row.id + row.lines - 1;
          done += row.lines;
          if (done >= max) break;
        }
      }
      if (done > 0) this.setIndexedTo.run(from);
    }).immediate();
    return done;
  }

  /** True when every stored line is in the FTS index. */
  fullyIndexed(): boolean {
    return (this.getIndexedTo.get() as number) >= this.nextLine() - 1;
  }

  /** Stored lines the FTS index does not cover yet. */
  unindexedLines(): number {
    return Math.max(0, this.nextLine() - 1 - (this.getIndexedTo.get() as number));
  }

  /**
   * Deletes the oldest chunks beyond the retention (too old, or wholly more than `maxLines` behind
   * the newest line), about PRUNE_SLICE lines per call. Returns the lines deleted; 0 = done.
   */
  pruneSlice(nowMs: number = Date.now()): number {
    let deleted = 0;
    this.db.transaction(() => {
      const last = this.nextLine() - 1;
      const beyondCount = last - this.retention.maxLines; // lines numbered up to this are beyond it
      const cutoffUs = (nowMs - this.retention.maxAgeMs) * 1000;
      const indexedTo = this.getIndexedTo.get() as number;
      for (const row of this.oldest.all(64) as IndexedChunk[]) {
        if (deleted >= PRUNE_SLICE) break;
        const expired = row.id + row.lines - 1 <= beyondCount || row.ts < cutoffUs;
        if (!expired) break; // ts grows with id: nothing after this one is due either
        if (row.id <= indexedTo) {
          const tags = ftsTags(row.instance, row.type, row.source);
          splitLines(row.text).forEach((line, i) => this.ftsDelete.run(row.id + i, line, tags));
        }
        this.deleteChunk.run(row.id);
        deleted += row.lines;
      }
    }).immediate();
    return deleted;
  }
}
