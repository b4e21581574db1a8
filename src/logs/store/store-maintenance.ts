// The writes a reader of the store may want done before it reads, on a write connection of their
// own: the reader (log-reader.ts) opens the store read-only and never writes. `dozen logs` runs
// them; a running dozen's writer thread does the same work by itself (store-worker.ts).
//
// Each is done only when due, and none where the store cannot be written (a read-only folder):
// the reader then reads the spool and searches the unindexed lines in memory, complete but slower.
import { existsSync, lstatSync, renameSync } from 'node:fs';
import type { ReadBacklog } from './log-reader.js';
import { DEFAULT_RETENTION } from './retention.js';
import { spoolGeneration, spoolPath } from './spool.js';
import { openStoreForWriting, storePath, type Db } from './store-db.js';
import { StoreWriter } from './store-writer.js';

/** Above this many spooled bytes not yet in the store, move them in rather than read them per query. */
export const SPOOL_READ_MAX = 1 << 20;
/** Above this many unindexed lines, index them into the store rather than in memory per search. */
export const CATCH_UP_LINES = 20_000;

/** A store file this old and still empty was left so (a full disk); a younger one may be being created. */
const EMPTY_STORE_AGE_MS = 5000;

/** Errors that mean the store cannot be written here (permissions, a read-only file system). */
const READ_ONLY = /^(EACCES|EPERM|EROFS|SQLITE_CANTOPEN|SQLITE_READONLY)/;

export class StoreMaintenance {
  private readonly dbPath: string;
  private readonly spoolPath: string;

  constructor(stateDir: string) {
    this.dbPath = storePath(stateDir);
    this.spoolPath = spoolPath(stateDir);
  }

  /**
   * Only a spool so far (dozen ran no writer thread yet): creates the store and moves the spool
   * in. A store file left empty (what a full disk leaves) is moved aside first, as a damaged one
   * is; returns the notice saying so.
   */
  createStoreFromSpool(): string | undefined {
    const notice = this.setAsideEmptyStore();
    if (existsSync(this.dbPath) || spoolGeneration(this.spoolPath) === undefined) return notice;
    this.withWriter((writer) => writer.ingestSpool(this.spoolPath));
    return notice;
  }

  /** A 0-byte logs.db with no write-ahead log, not made a moment ago (SQLite writes its header at once). */
  private setAsideEmptyStore(): string | undefined {
    const stat = lstatSync(this.dbPath, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 0 || Date.now() - stat.mtimeMs < EMPTY_STORE_AGE_MS) return undefined;
    if ((lstatSync(`${this.dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0) return undefined;
    try {
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(this.dbPath + suffix)) renameSync(this.dbPath + suffix, `${this.dbPath}.damaged${suffix}`);
      }
    } catch (err) {
      if (READ_ONLY.test((err as { code?: string }).code ?? '')) return undefined; // the reader reads the spool alone
      throw err;
    }
    return `log store: ${this.dbPath} was empty (a full disk leaves it so); moved it to ${this.dbPath}.damaged`;
  }

  /**
   * Before a query, what `backlog` (the reader's) calls for: a spool that has grown moved into the
   * store; before a search, a large unindexed backlog (dozen was killed mid-flood) indexed.
   */
  catchUp(backlog: ReadBacklog, opts: { search: boolean }): void {
    const moveSpool = backlog.spooledBytes >= SPOOL_READ_MAX;
    const index = opts.search && backlog.unindexedLines >= CATCH_UP_LINES;
    if (!moveSpool && !index) return;
    this.withWriter((writer) => {
      if (moveSpool) writer.ingestSpool(this.spoolPath);
      // The moved lines count too: they are unindexed.
      if (opts.search && writer.unindexedLines() >= CATCH_UP_LINES) while (writer.indexSlice(50_000) > 0);
    });
  }

  private withWriter(work: (writer: StoreWriter) => void): void {
    let db: Db;
    try {
      db = openStoreForWriting(this.dbPath);
    } catch (err) {
      if (READ_ONLY.test((err as { code?: string }).code ?? '')) return;
      throw err;
    }
    try {
      work(new StoreWriter(db, DEFAULT_RETENTION));
    } finally {
      db.close();
    }
  }
}
