// The log store as a running dozen reads it for its own clients (the control API's `logs`):
// queries through a read-only LogReader, and a push after each committed batch. A reader opened
// while only a spool existed reads over an empty store in memory, so it is opened again once the
// store file exists.
import { existsSync } from 'node:fs';
import type { LogQuery } from '../query.js';
import type { AttachedLogStore } from './attach-log-store.js';
import { LogReader } from './log-reader.js';
import { storePath } from './store-path.js';
import type { StoredLine } from './stored-line.js';

export interface StoreFeed {
  snapshot(query: LogQuery): { lines: StoredLine[]; cursor: number };
  after(cursor: number, query: LogQuery): { lines: StoredLine[]; cursor: number };
  /** After each committed batch. While anyone listens the store commits every batch (see onStored). */
  onStored(listener: () => void): () => void;
  close(): void;
}

export function storeFeed(stateDir: string, store: AttachedLogStore): StoreFeed {
  const file = storePath(stateDir);
  let reader: LogReader | undefined;
  let overFile = false;
  const current = (): LogReader | undefined => {
    if (reader && !overFile && existsSync(file)) {
      reader.close();
      reader = undefined;
    }
    if (!reader) {
      overFile = existsSync(file);
      reader = LogReader.open(stateDir);
    }
    return reader;
  };
  const none = { lines: [], cursor: 0 };
  return {
    snapshot: (query) => current()?.snapshot(query) ?? none,
    after: (cursor, query) => current()?.after(cursor, query) ?? { lines: [], cursor },
    onStored: (listener) => store.onStored(() => listener()),
    close() {
      reader?.close();
      reader = undefined;
    },
  };
}
