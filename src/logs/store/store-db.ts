// The SQLite file behind the log store: where it lives, its schema, how it is opened.
//
// Lines go to a plain table first (cheap to insert); the FTS5 index over their text is built
// behind them in small slices (see store-writer.ts), and `meta.fts_indexed_to` says how far it
// got. Readers search the index up to that id and index the few newer rows themselves on the fly,
// so a search is always complete even while the index is catching up.
import { closeSync, chmodSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const STORE_FILE = 'logs.db';

/** Bump when the schema changes; older files are migrated or rebuilt in `migrate`. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lines (
  id       INTEGER PRIMARY KEY,
  ts       INTEGER NOT NULL,   -- microseconds since the epoch
  instance TEXT    NOT NULL,   -- web.1, or dozen
  type     TEXT    NOT NULL,   -- web, or dozen
  source   TEXT    NOT NULL,   -- app | dozen
  stream   TEXT    NOT NULL,   -- stdout | stderr | info | warn | error
  text     TEXT    NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(text, content='lines', content_rowid='id');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('fts_indexed_to', 0);
`;

export function storePath(stateDir: string): string {
  return join(stateDir, STORE_FILE);
}

/** Opens (creating if needed) the store for writing: WAL, file mode 0600. */
export function openStoreForWriting(path: string): Db {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600); // SQLite gives -wal and -shm the same mode as the database file
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives the process dying (SIGKILL); only an OS crash or power
  // loss can take back the last transactions. FULL would fsync every batch for nothing here.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Opens an existing store for reading; returns undefined when there is none yet. */
export function openStoreForReading(path: string): Db | undefined {
  if (!existsSync(path)) return undefined;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
