// Where the store file lives. Apart from store-db.ts so that `dozen start` can name the file
// without loading better-sqlite3 on its main thread (only the writer thread opens it).
import { join } from 'node:path';

export const STORE_FILE = 'logs.db';

export function storePath(stateDir: string): string {
  return join(stateDir, STORE_FILE);
}
