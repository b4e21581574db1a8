// The log store as a running dozen reads it for its own clients (the control API's `logs`):
// queries through a read-only LogReader, and a push after each committed batch. A reader opened
// while only a spool existed reads over an empty store in memory, so it is opened again once the
// store file exists. The reader (and SQLite with it, ~5 MB) is loaded on the first query: the
// main thread of a dozen that nobody asks for logs never loads SQLite.
import { existsSync } from 'node:fs';
import type { LogQuery } from '../query.js';
import type { AttachedLogStore } from './attach-log-store.js';
import type { LogReader } from './log-reader.js';
import { storePath } from './store-path.js';
import type { StoredLine } from './stored-line.js';

export interface StoreFeed {
  snapshot(query: LogQuery): Promise<{ lines: StoredLine[]; cursor: number }>;
  after(cursor: number, query: LogQuery): Promise<{ lines: StoredLine[]; cursor: number }>;
  /** After each committed batch. While anyone listens the store commits every batch (see onStored). */
  onStored(listener: () => void): () => void;
  close(): void;
}

export function storeFeed(stateDir: string, store: AttachedLogStore): StoreFeed {
  const file = storePath(stateDir);
  let reader: LogReader | undefined;
  let overFile = false;
  const current = async (): Promise<LogReader | undefined> => {
    if (reader && !overFile && existsSync(file)) {
      reader.close();
      reader = undefined;
    }
    if (!reader) {
      const { LogReader } = await import('./log-reader.js');
      overFile = existsSync(file);
      reader ??= LogReader.open(stateDir);
    }
    return reader;
  };
  return {
    snapshot: async (query) => (await current())?.snapshot(query) ?? { lines: [], cursor: 0 },
    after: async (cursor, query) => (await current())?.after(cursor, query) ?? { lines: [], cursor },
    onStored: (listener) => store.onStored(() => listener()),
    close() {
      reader?.close();
      reader = undefined;
    },
  };
}
