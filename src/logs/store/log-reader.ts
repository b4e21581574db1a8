// The read side of the store, for `dozen logs`: the last N matching lines, and the lines after a
// cursor for `--tail`. Safe while dozen writes: WAL gives every read a consistent snapshot.
//
// Chunk-level filters (--ps, --source, --since, --until) run in SQL; chunks are then split into
// lines, newest first, and --grep/--search apply per line until enough lines are found.
// Full-text search uses the FTS index up to `meta.fts_indexed_to` and, for the newer lines the
// writer has not indexed yet, a throwaway in-memory FTS5 table.
// Lines in the spool (spool.ts: written while dozen ran no writer thread) come after the stored
// ones, numbered as the writer will number them; they are read into a temporary table (same
// columns as `chunks`) for each query.
//
// The reader never writes the store: it opens the file read-only, and its two scratch tables are
// in the connection's own `temp` schema. What a reader may want written first (a store created
// from a spool, a large spool moved in, a crash's backlog indexed) is store-maintenance.ts's job;
// `backlog()` tells it what is due.
import { DozenError } from '../../errors.js';
import { ftsCandidates, whereClause, type LogQuery } from '../query.js';
import { chunkText, linesOfChunk, splitLines } from './chunk-text.js';
import { instanceTag, openEmptyStore, openStoreForReading, SCHEMA_VERSION, storePath, typeTag, type Db } from './store-db.js';
import { readSpool, SPOOL_HEADER, spoolGeneration, spoolPath } from './spool.js';
import { typeOfInstance, type ChunkRow, type StoredLine } from './stored-line.js';

const COLUMNS = 'c.id AS id, c.lines AS lines, c.ts AS ts, c.instance AS instance, c.type AS type, c.source AS source, c.stream AS stream, c.text AS text';
/** Chunks read per `--tail` poll at most; the next poll continues. */
const TAIL_PAGE = 500;
const SPOOLED = 'temp.spool_chunks';
type Spool = ReturnType<typeof readSpool>;

/** What a reader has to do without: lines only in the spool, and stored lines the FTS index does not cover yet. */
export interface ReadBacklog {
  /** Bytes of the spool not yet moved into the store (each query reads them). */
  spooledBytes: number;
  /** Stored lines beyond the FTS index (a search indexes them in memory). */
  unindexedLines: number;
}

export class LogReader {
  private readonly spoolPath: string;
  /** What the temporary table holds (see loadSpooled), and its newest line. */
  private spooledKey = '';
  private spooledLast = 0;

  private constructor(
    private readonly db: Db,
    stateDir: string,
  ) {
    this.spoolPath = spoolPath(stateDir);
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.tail_fts USING fts5(text)');
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${SPOOLED} (id INTEGER PRIMARY KEY, lines INTEGER, ts INTEGER, instance TEXT, type TEXT, source TEXT, stream TEXT, text BLOB)`,
    );
    db.prepare("SELECT value FROM meta WHERE key = 'next_line'").get(); // fails now if the file is damaged
  }

  /**
   * The store of this state folder, or undefined when nothing was ever stored there. With only a
   * spool so far (no store file), its lines are read over an empty store in memory.
   */
  static open(stateDir: string): LogReader | undefined {
    const path = storePath(stateDir);
    const db = openStoreForReading(path);
    if (!db) return spoolGeneration(spoolPath(stateDir)) === undefined ? undefined : new LogReader(openEmptyStore(), stateDir);
    let version: number;
    try {
      version = db.pragma('user_version', { simple: true }) as number;
      if (version === SCHEMA_VERSION) return new LogReader(db, stateDir);
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code ?? '';
      if (!/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw err;
      throw new DozenError('config', `${path}: the log store is damaged (${code}); the next dozen start moves it aside and starts a new one`);
    }
    db.close();
    // Created a moment ago (schema not written yet), or left empty by a full disk: the spool's
    // lines are read over an empty store.
    if (version === 0) return spoolGeneration(spoolPath(stateDir)) === undefined ? undefined : new LogReader(openEmptyStore(), stateDir);
    throw new DozenError('config', `${path}: the log store has format ${version}, this dozen reads format ${SCHEMA_VERSION}; the next dozen start rebuilds it`);
  }

  close(): void {
    this.db.close();
  }

  /** The number of the newest line (0 when empty), spooled lines included: where `--tail` starts. */
  lastId(): number {
    const spool = readSpool(this.spoolPath);
    return this.read(() => this.loadSpooled(spool));
  }

  /** Every instance with a stored or spooled line, with its type, by name (what `--ps` can match). */
  instances(): Array<{ name: string; type: string }> {
    const spool = readSpool(this.spoolPath);
    return this.read(() => {
      this.loadSpooled(spool);
      const sql = `SELECT instance AS name, type FROM instances UNION SELECT DISTINCT instance, type FROM ${SPOOLED} ORDER BY name`;
      return this.db.prepare(sql).all() as Array<{ name: string; type: string }>;
    });
  }

  /** `fn` in one read transaction (one snapshot); if it fails, the temporary table's filling is undone with it. */
  private read<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      this.spooledKey = '';
      throw err;
    }
  }

  /** The number of the newest line stored in the database. */
  private lastStored(): number {
    return (this.meta('next_line') ?? 1) - 1;
  }

  /**
   * Fills the temporary table with the spool's lines not yet in the store, numbered on from the
   * stored ones; returns the number of the newest line. Inside the caller's read transaction, with
   * the spool read before it: a spool the snapshot says is already moved is left out, and a spool
   * newer than the snapshot's is wholly after it.
   */
  private loadSpooled(spool: Spool): number {
    let next = this.lastStored() + 1;
    const gen = this.meta('spool_gen') ?? 0;
    const from = !spool || spool.gen < gen ? Infinity : spool.gen === gen ? (this.meta('spool_offset') ?? 0) : 0;
    // `--tail` asks every 200 ms: the table is refilled only when something changed.
    const key = `${next}:${from}:${spool?.gen}:${spool?.end}`;
    if (key === this.spooledKey) return this.spooledLast;
    this.db.exec(`DELETE FROM ${SPOOLED}`);
    this.spooledKey = key;
    this.spooledLast = next - 1;
    if (!spool || from === Infinity) return next - 1;
    const ins = this.db.prepare(`INSERT INTO ${SPOOLED}(id, lines, ts, instance, type, source, stream, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const r of spool.records) {
      if (r.start < from) continue;
      const text = chunkText(r.data, 0, r.data.length);
      const lines = splitLines(text).length;
      if (lines === 0) continue;
      ins.run(next, lines, r.tsUs, r.instance, typeOfInstance(r.instance), r.source, r.stream, text);
      next += lines;
    }
    this.spooledLast = next - 1;
    return next - 1;
  }

  /** What is not yet in the store's own tables (the spool's header only is read). */
  backlog(): ReadBacklog {
    const head = readSpool(this.spoolPath, Number.MAX_SAFE_INTEGER);
    return this.read(() => {
      const moved = head && head.gen === this.meta('spool_gen') ? (this.meta('spool_offset') ?? SPOOL_HEADER) : SPOOL_HEADER;
      return {
        spooledBytes: head ? Math.max(0, head.size - moved) : 0,
        unindexedLines: Math.max(0, this.lastStored() - (this.meta('fts_indexed_to') ?? 0)),
      };
    });
  }

  /** The last `q.limit` matching lines (all when undefined), oldest first. */
  query(q: LogQuery): StoredLine[] {
    return this.snapshot(q).lines;
  }

  /**
   * `query`, plus the number of the newest line of the same snapshot: the cursor from which
   * `--tail` continues without missing or repeating a line.
   */
  snapshot(q: LogQuery): { lines: StoredLine[]; cursor: number } {
    const spool = readSpool(this.spoolPath);
    return this.read(() => {
      const cursor = this.loadSpooled(spool);
      const range = this.lineRange(q, cursor);
      if (!range) return { lines: [], cursor };
      const limit = q.limit ?? Number.MAX_SAFE_INTEGER;
      const rows = q.search === undefined ? this.plain(q, range, limit) : this.searched(q, range, limit);
      return { lines: rows.reverse(), cursor };
    });
  }

  /** Matching lines numbered after `cursor`, oldest first, and the cursor to pass next time. */
  after(cursor: number, q: LogQuery): { lines: StoredLine[]; cursor: number } {
    const spool = readSpool(this.spoolPath);
    return this.read(() => {
      const last = this.loadSpooled(spool);
      if (last <= cursor) return { lines: [], cursor };
      const w = whereClause(q);
      // From the chunk holding line cursor+1 (chunks are whole: it may start before it).
      const chunks: ChunkRow[] = [];
      for (const table of ['chunks', SPOOLED]) {
        if (chunks.length >= TAIL_PAGE) break;
        const rows = this.db
          .prepare(
            `SELECT ${COLUMNS} FROM ${table} c WHERE c.id >= (SELECT coalesce(max(id), 0) FROM ${table} WHERE id <= ?) AND ${w.sql} ORDER BY c.id LIMIT ?`,
          )
          .all(cursor + 1, ...w.params, TAIL_PAGE - chunks.length) as ChunkRow[];
        for (const r of rows) if (lastLineOf(r) > cursor) chunks.push(r);
      }
      // A full page: continue after its last chunk; else everything up to `last` was seen.
      const next = chunks.length === TAIL_PAGE ? lastLineOf(chunks[chunks.length - 1] as ChunkRow) : last;
      let lines: StoredLine[] = [];
      for (const c of chunks) for (const l of linesOfChunk(c)) if (l.id > cursor && l.id <= next && grepOk(q, l)) lines.push(l);
      if (q.search !== undefined) lines = this.matchInMemory(lines, q.search).reverse();
      return { lines, cursor: next };
    });
  }

  private meta(key: string): number | undefined {
    return this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as number | undefined;
  }

  /** [first, last] line numbers to look at: `--since`/`--until` narrowed by binary search. */
  private lineRange(q: LogQuery, lastLine: number): [number, number] | undefined {
    const lo = this.db.prepare(`SELECT coalesce((SELECT min(id) FROM chunks), (SELECT min(id) FROM ${SPOOLED}))`).pluck().get() as number | null;
    if (lo === null || lastLine === 0) return undefined;
    // Chunks are appended as dozen reads them, so ts grows with id (up to wall-clock jumps,
    // which the exact ts conditions in the WHERE clause still filter).
    const first = q.sinceUs === undefined ? lo : this.firstChunkWithTsAtLeast(q.sinceUs, lo, lastLine);
    const last = q.untilUs === undefined ? lastLine : this.firstChunkWithTsAtLeast(q.untilUs, lo, lastLine) - 1;
    return first <= last ? [first, last] : undefined;
  }

  /** The id of the first chunk with ts >= tsUs, or lastLine + 1 when there is none. */
  private firstChunkWithTsAtLeast(tsUs: number, lo: number, lastLine: number): number {
    const stored = this.db.prepare('SELECT id, ts FROM chunks WHERE id >= ? ORDER BY id LIMIT 1');
    const spooled = this.db.prepare(`SELECT id, ts FROM ${SPOOLED} WHERE id >= ? ORDER BY id LIMIT 1`);
    const chunkAt = { get: (id: number) => stored.get(id) ?? spooled.get(id) };
    let a = lo;
    let b = lastLine + 1;
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      const row = chunkAt.get(mid) as { id: number; ts: number } | undefined;
      if (row !== undefined && row.ts >= tsUs) b = mid;
      else a = mid + 1;
    }
    // `a` may fall inside a chunk: answer with the start of the chunk at or after it.
    const row = chunkAt.get(a) as { id: number } | undefined;
    return row ? row.id : lastLine + 1;
  }

  /** Newest first, up to `limit`: chunks from the end, split, grep applied. */
  private plain(q: LogQuery, [first, last]: [number, number], limit: number): StoredLine[] {
    const w = whereClause(q);
    const out: StoredLine[] = [];
    if (limit <= 0) return out;
    const newestFirst = (table: string) =>
      this.db.prepare(`SELECT ${COLUMNS} FROM ${table} c WHERE c.id BETWEEN ? AND ? AND ${w.sql} ORDER BY c.id DESC`).iterate(first, last, ...w.params) as IterableIterator<ChunkRow>;
    // One statement at a time: the stored chunks are read once the spooled ones are done.
    for (const c of chain(() => newestFirst(SPOOLED), () => newestFirst('chunks'))) {
      const lines = linesOfChunk(c);
      for (let i = lines.length - 1; i >= 0; i--) {
        const l = lines[i] as StoredLine;
        if (grepOk(q, l)) out.push(l);
      }
      if (out.length >= limit) break;
    }
    return out.slice(0, limit);
  }

  /** Newest first: matches among the unindexed lines, then from the FTS index. */
  private searched(q: LogQuery, [first, last]: [number, number], limit: number): StoredLine[] {
    const search = q.search as string;
    const indexedTo = this.meta('fts_indexed_to') ?? 0;
    const w = whereClause(q);
    let out: StoredLine[] = [];
    if (last > indexedTo) {
      const chunks = ['chunks', SPOOLED].flatMap(
        (table) =>
          this.db
            .prepare(`SELECT ${COLUMNS} FROM ${table} c WHERE c.id BETWEEN ? AND ? AND ${w.sql} ORDER BY c.id`)
            .all(Math.max(first, indexedTo + 1), last, ...w.params) as ChunkRow[],
      );
      const lines = chunks.flatMap(linesOfChunk).filter((l) => grepOk(q, l));
      out = this.matchInMemory(lines, search).slice(0, limit);
    }
    if (out.length >= limit || first > indexedTo) return out;
    const tags = this.tagFilter(q);
    if (tags === undefined) return out;
    // Line numbers from the index, newest first, already restricted to --ps/--source by the
    // index's `ps` column; each is looked up in its chunk (cached: consecutive hits are mostly
    // in the same chunk) where the chunk-level conditions are checked once more.
    const chunkOf = this.db.prepare(`SELECT ${COLUMNS} FROM chunks c WHERE c.id = (SELECT max(id) FROM chunks WHERE id <= ?) AND ${w.sql}`);
    const hi = Math.min(last, indexedTo);
    return this.withFtsQuery(search, (fts) => {
      const found: StoredLine[] = [];
      let chunk: { lo: number; hi: number; lines: StoredLine[] | undefined } | undefined;
      const ids = this.db.prepare('SELECT rowid FROM lines_fts WHERE lines_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC').pluck();
      const match = tags === '' ? `text : (${fts})` : `text : (${fts}) AND ps : (${tags})`;
      for (const id of ids.iterate(match, first, hi) as IterableIterator<number>) {
        if (!chunk || id < chunk.lo || id > chunk.hi) {
          const row = chunkOf.get(id, ...w.params) as ChunkRow | undefined;
          // Not matching the chunk filters: remember the miss for the lines of this chunk.
          const start = row?.id ?? (this.db.prepare('SELECT max(id) FROM chunks WHERE id <= ?').pluck().get(id) as number | null) ?? id;
          chunk = row ? { lo: row.id, hi: lastLineOf(row), lines: linesOfChunk(row) } : { lo: start, hi: id, lines: undefined };
        }
        const line = chunk.lines?.[id - chunk.lo];
        if (line && grepOk(q, line)) found.push(line);
        if (out.length + found.length >= limit) break;
      }
      return out.concat(found);
    });
  }

  /**
   * The FTS expression over the `ps` column for --ps and --source ('' for neither); undefined
   * when no instance matches the --ps glob, so nothing can match.
   */
  private tagFilter(q: LogQuery): string | undefined {
    const parts: string[] = [];
    if (q.ps !== undefined) {
      let tags: string[];
      if (!/[*?[]/.test(q.ps)) {
        tags = [instanceTag(q.ps), typeTag(q.ps)];
      } else {
        const glob = q.ps.replace(/\[!/g, '[^');
        const names = this.db.prepare('SELECT instance FROM instances WHERE instance GLOB ? OR type GLOB ?').pluck().all(glob, glob) as string[];
        if (names.length === 0) return undefined;
        tags = names.map(instanceTag);
      }
      parts.push(`(${tags.join(' OR ')})`);
    }
    if (q.source !== undefined) parts.push(`s${q.source}`);
    return parts.join(' AND ');
  }

  /** Lines (oldest first) that match `search`, newest first, via the temporary FTS5 table. */
  private matchInMemory(lines: StoredLine[], search: string): StoredLine[] {
    if (lines.length === 0) return [];
    this.db.exec('DELETE FROM temp.tail_fts');
    const ins = this.db.prepare('INSERT INTO temp.tail_fts(rowid, text) VALUES (?, ?)');
    for (const l of lines) ins.run(l.id, l.text);
    const hits = new Set(
      this.withFtsQuery(search, (fts) => this.db.prepare('SELECT rowid FROM temp.tail_fts WHERE tail_fts MATCH ?').pluck().all(fts) as number[]),
    );
    return lines.filter((l) => hits.has(l.id)).reverse();
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
}

function lastLineOf(c: ChunkRow): number {
  return c.id + c.lines - 1;
}

function grepOk(q: LogQuery, l: StoredLine): boolean {
  return q.grep === undefined || q.grep.test(l.text);
}

/** The first iterable's items, then the second's (made only once the first is done). */
function* chain<T>(a: () => Iterable<T>, b: () => Iterable<T>): Generator<T> {
  yield* a();
  yield* b();
}
