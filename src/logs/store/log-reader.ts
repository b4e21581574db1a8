// The read side of the store, for `dozen logs`: the last N matching lines, and the lines after a
// cursor for `--tail`. Safe while dozen writes: WAL gives every read a consistent snapshot.
//
// Full-text search covers the FTS index up to `meta.fts_indexed_to` and, for the newer rows the
// writer has not indexed yet, a throwaway in-memory FTS5 table built for the query. A large
// unindexed tail (dozen was killed mid-flood) is indexed into the store first.
import { DozenError } from '../../errors.js';
import { ftsCandidates, whereClause, type LogQuery } from '../query.js';
import { openStoreForReading, openStoreForWriting, storePath, type Db } from './store-db.js';
import { StoreWriter } from './store-writer.js';
import { DEFAULT_RETENTION } from './retention.js';
import type { StoredLine } from './stored-line.js';

const COLUMNS = 'l.id AS id, l.ts AS tsUs, l.instance AS instance, l.type AS type, l.source AS source, l.stream AS stream, l.text AS text';
/** Above this many unindexed rows, index them into the store rather than per query. */
const CATCH_UP_ROWS = 20_000;
/** Rows read per `--tail` poll at most; the next poll continues. */
const TAIL_PAGE = 5000;

export class LogReader {
  private constructor(
    private readonly db: Db,
    private readonly path: string,
  ) {
    const cache = new Map<string, RegExp>();
    db.function('regexp', { deterministic: true }, (spec: unknown, text: unknown) => {
      let re = cache.get(spec as string);
      if (!re) {
        const [source, flags] = (spec as string).split('\u0000');
        re = new RegExp(source as string, flags);
        cache.set(spec as string, re);
      }
      return re.test(text as string) ? 1 : 0;
    });
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.tail_fts USING fts5(text)');
  }

  /** The store of this state folder, or undefined when nothing was ever stored there. */
  static open(stateDir: string): LogReader | undefined {
    const path = storePath(stateDir);
    const db = openStoreForReading(path);
    return db ? new LogReader(db, path) : undefined;
  }

  close(): void {
    this.db.close();
  }

  /** The id of the newest row (0 when empty): where `--tail` starts. */
  lastId(): number {
    return this.db.prepare('SELECT coalesce(max(id), 0) FROM lines').pluck().get() as number;
  }

  /** The last `q.limit` matching lines (all when undefined), oldest first. */
  query(q: LogQuery): StoredLine[] {
    return this.snapshot(q).lines;
  }

  /**
   * `query`, plus the id of the newest row of the same snapshot: the cursor from which `--tail`
   * continues without missing or repeating a line.
   */
  snapshot(q: LogQuery): { lines: StoredLine[]; cursor: number } {
    if (q.search !== undefined) this.catchUpIndex();
    return this.db.transaction(() => {
      const cursor = this.lastId();
      const range = this.idRange(q);
      if (!range) return { lines: [], cursor };
      const limit = q.limit ?? Number.MAX_SAFE_INTEGER;
      const rows = q.search === undefined ? this.plain(q, range, limit) : this.searched(q, range, limit);
      return { lines: rows.reverse(), cursor };
    })();
  }

  /**
   * Matching lines with id > `cursor`, oldest first, and the cursor to pass next time. Reads at
   * most a page of rows per call.
   */
  after(cursor: number, q: LogQuery): { lines: StoredLine[]; cursor: number } {
    return this.db.transaction(() => {
      const w = whereClause(q);
      const rows = this.db
        .prepare(`SELECT ${COLUMNS} FROM lines l WHERE l.id > ? AND ${w.sql} ORDER BY l.id LIMIT ?`)
        .all(cursor, ...w.params, TAIL_PAGE) as StoredLine[];
      if (rows.length === 0) return { lines: [], cursor };
      const next = (rows[rows.length - 1] as StoredLine).id;
      return { lines: q.search === undefined ? rows : this.matchInMemory(rows, q.search).reverse(), cursor: next };
    })();
  }

  /** [first, last] ids to look at: `--since`/`--until` narrowed by binary search over ids. */
  private idRange(q: LogQuery): [number, number] | undefined {
    const { lo, hi } = this.db.prepare('SELECT coalesce(min(id), 0) AS lo, coalesce(max(id), 0) AS hi FROM lines').get() as {
      lo: number;
      hi: number;
    };
    if (hi === 0) return undefined;
    // Rows are appended as dozen reads them, so ts grows with id (up to wall-clock jumps, which
    // the exact ts conditions in the WHERE clause still filter).
    const first = q.sinceUs === undefined ? lo : this.firstIdWithTsAtLeast(q.sinceUs, lo, hi);
    const last = q.untilUs === undefined ? hi : this.firstIdWithTsAtLeast(q.untilUs, lo, hi) - 1;
    return first <= last ? [first, last] : undefined;
  }

  private firstIdWithTsAtLeast(tsUs: number, lo: number, hi: number): number {
    const tsAt = this.db.prepare('SELECT ts FROM lines WHERE id >= ? ORDER BY id LIMIT 1').pluck();
    let a = lo;
    let b = hi + 1; // answer in [a, b]; b = "none"
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      const ts = tsAt.get(mid) as number | undefined;
      if (ts !== undefined && ts >= tsUs) b = mid;
      else a = mid + 1;
    }
    return a;
  }

  private plain(q: LogQuery, [first, last]: [number, number], limit: number): StoredLine[] {
    const w = whereClause(q);
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM lines l WHERE l.id BETWEEN ? AND ? AND ${w.sql} ORDER BY l.id DESC LIMIT ?`)
      .all(first, last, ...w.params, limit) as StoredLine[];
  }

  /** Newest first: matches among the unindexed rows, then from the FTS index. */
  private searched(q: LogQuery, [first, last]: [number, number], limit: number): StoredLine[] {
    const search = q.search as string;
    const indexedTo = this.db.prepare("SELECT value FROM meta WHERE key = 'fts_indexed_to'").pluck().get() as number;
    const w = whereClause(q);
    let out: StoredLine[] = [];
    if (last > indexedTo) {
      const tail = this.db
        .prepare(`SELECT ${COLUMNS} FROM lines l WHERE l.id BETWEEN ? AND ? AND ${w.sql} ORDER BY l.id`)
        .all(Math.max(first, indexedTo + 1), last, ...w.params) as StoredLine[];
      out = this.matchInMemory(tail, search).slice(0, limit);
    }
    if (out.length < limit && first <= indexedTo) {
      const sql =
        `SELECT ${COLUMNS} FROM lines_fts f JOIN lines l ON l.id = f.rowid ` +
        `WHERE lines_fts MATCH ? AND f.rowid BETWEEN ? AND ? AND ${w.sql} ORDER BY f.rowid DESC LIMIT ?`;
      out = out.concat(
        this.withFtsQuery(search, (fts) => this.db.prepare(sql).all(fts, first, Math.min(last, indexedTo), ...w.params, limit - out.length) as StoredLine[]),
      );
    }
    return out;
  }

  /** Rows (oldest first) that match `search`, newest first, via the temporary FTS5 table. */
  private matchInMemory(rows: StoredLine[], search: string): StoredLine[] {
    if (rows.length === 0) return [];
    this.db.exec('DELETE FROM temp.tail_fts');
    const ins = this.db.prepare('INSERT INTO temp.tail_fts(rowid, text) VALUES (?, ?)');
    for (const r of rows) ins.run(r.id, r.text);
    const hits = new Set(
      this.withFtsQuery(search, (fts) =>
        this.db.prepare('SELECT rowid FROM temp.tail_fts WHERE tail_fts MATCH ?').pluck().all(fts) as number[],
      ),
    );
    return rows.filter((r) => hits.has(r.id)).reverse();
  }

  /** Runs `fn` with the user's FTS5 query, or its quoted form when that is not valid syntax. */
  private withFtsQuery<T>(search: string, fn: (fts: string) => T): T {
    const candidates = ftsCandidates(search);
    for (let i = 0; ; i++) {
      try {
        return fn(candidates[i] as string);
      } catch (err) {
        // FTS5 reports a bad query as a plain SQLITE_ERROR ("fts5: syntax error", "unterminated string").
        if ((err as { code?: string }).code !== 'SQLITE_ERROR') throw err;
        const message = (err as Error).message;
        if (i + 1 >= candidates.length) throw new DozenError('usage', `--search: invalid full-text query "${search}": ${message}`);
      }
    }
  }

  /** After a crash mid-flood many rows may be unindexed: index them once, in the store. */
  private catchUpIndex(): void {
    const behind = this.db
      .prepare("SELECT (SELECT coalesce(max(id), 0) FROM lines) - (SELECT value FROM meta WHERE key = 'fts_indexed_to')")
      .pluck()
      .get() as number;
    if (behind < CATCH_UP_ROWS) return;
    let db: Db;
    try {
      db = openStoreForWriting(this.path);
    } catch {
      return; // read-only folder: the per-query in-memory index still gives complete results
    }
    try {
      const writer = new StoreWriter(db, DEFAULT_RETENTION);
      while (writer.indexSlice() > 0);
    } finally {
      db.close();
    }
  }
}
