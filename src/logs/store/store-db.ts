// The SQLite file behind the log store: where it lives, its schema, how it is opened.
//
// Rows are CHUNKS, not lines: one output event of one instance/stream (often hundreds of lines
// read at once) is one row, so storing a flood costs one insert per read, not per line. Lines are
// still numbered one by one: a chunk's id is the number of its first line, and line numbers run
// on across chunks (`id + lines` is the next chunk's id). `dozen logs` splits chunks into lines.
//
// The FTS5 index is per LINE (rowid = line number), contentless (the text lives in `chunks`), and
// built behind the writes in small slices; `meta.fts_indexed_to` is the last line it covers.
// Readers search the index up to there and index the few newer lines themselves, in memory, so
// a search is complete even while the index is catching up.
import { existsSync, renameSync } from 'node:fs';
import { ensurePrivateFile, refuseLink } from '../../platform/private-files.js';
import Database from 'better-sqlite3';

export { STORE_FILE, storePath } from './store-path.js';

export type Db = Database.Database;

/** Bump when the schema changes; older files are migrated or rebuilt in `migrate`. */
export const SCHEMA_VERSION = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chunks (
  id       INTEGER PRIMARY KEY,  -- number of its first line
  lines    INTEGER NOT NULL,     -- how many lines it holds
  ts       INTEGER NOT NULL,     -- microseconds since the epoch (when dozen read it)
  instance TEXT    NOT NULL,     -- web.1, or dozen
  type     TEXT    NOT NULL,     -- web, or dozen
  source   TEXT    NOT NULL,     -- app | dozen | build
  stream   TEXT    NOT NULL,     -- stdout | stderr | info | warn | error
  text     BLOB    NOT NULL      -- the lines, each ending in a newline (UTF-8 bytes, or TEXT)
);
-- ps: tokens naming the line's instance, type and source (see ftsTags), so that --ps and
-- --source are part of the full-text query instead of a filter over every hit.
CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(text, ps, content='');
-- Every instance that ever wrote a line: expands --ps globs into the instances they match.
CREATE TABLE IF NOT EXISTS instances (instance TEXT PRIMARY KEY, type TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('fts_indexed_to', 0), ('next_line', 1);
`;

/** Tables of older schema versions: a store is a cache of recent lines, rebuilt rather than migrated. */
const OLD_TABLES = ['lines_fts', 'lines', 'chunks', 'meta', 'instances'];

/**
 * Opens (creating if needed) the store for writing: WAL, file mode 0600. A file SQLite finds
 * damaged is renamed `logs.db.damaged` (with its -wal and -shm) and a new store is started;
 * `onNotice` says so.
 */
export function openStoreForWriting(path: string, onNotice?: (text: string) => void): Db {
  try {
    return open(path);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw err;
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, `${path}.damaged${suffix}`);
    onNotice?.(`log store: ${path} was damaged (${code}); moved it to ${path}.damaged and started a new one`);
    return open(path);
  }
}

function open(path: string): Db {
  // SQLite follows links: none of its three files may be one (a link committed in a repository).
  refuseLinks(path);
  ensurePrivateFile(path); // SQLite gives -wal and -shm the same mode as the database file
  const db = new Database(path);
  // No fsync: a committed batch is in the operating system's hands, so it survives dozen dying
  // (SIGKILL included); only an OS crash or power loss can lose it or damage the file, and then
  // openStoreForWriting sets the file aside and starts a new one. The fsyncs of checkpoints were
  // most of the store's cost in a flood (measured: 24 MB written in 390 ms with NORMAL, 135 ms OFF).
  // Set before the switch to WAL, which a new file would otherwise sync (~0.1 s here).
  db.pragma('synchronous = OFF');
  db.pragma('journal_mode = WAL');
  // The writer appends; a small page cache is enough and keeps dozen's memory flat (default: 16 MB).
  db.pragma('cache_size = -4000');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** An empty store in memory, for reading the spool where no store can be created (a read-only folder). */
export function openEmptyStore(): Db {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

/** Opens an existing store for reading; returns undefined when there is none yet. */
export function openStoreForReading(path: string): Db | undefined {
  refuseLinks(path);
  if (!existsSync(path)) return undefined;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

function refuseLinks(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) refuseLink(path + suffix);
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    if (version !== 0) for (const t of OLD_TABLES) db.exec(`DROP TABLE IF EXISTS ${t}`);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The `ps` column of a line in the FTS index: one token each for its instance, its type and its
 * source. Names are hex-encoded so each is exactly one token (`web.1` would otherwise be two).
 */
export function ftsTags(instance: string, type: string, source: string): string {
  return `${instanceTag(instance)} ${typeTag(type)} s${source}`;
}

export const instanceTag = (instance: string) => `i${Buffer.from(instance).toString('hex')}`;
export const typeTag = (type: string) => `t${Buffer.from(type).toString('hex')}`;
