// Writes rows straight through StoreWriter (no worker, no timers): for search, filter and
// retention tests that need exact control over timestamps and indexing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreForWriting, storePath, type Db } from '../../../src/logs/store/store-db.js';
import type { ChunkMeta } from '../../../src/logs/store/batch.js';
import { StoreWriter } from '../../../src/logs/store/store-writer.js';
import { DEFAULT_RETENTION, type Retention } from '../../../src/logs/store/retention.js';
import type { LogSource } from '../../../src/logs/store/stored-line.js';

export interface Row {
  tsMs: number;
  instance: string;
  text: string;
  source?: LogSource;
  stream?: string;
}

export class DirectStore {
  readonly dir = mkdtempSync(join(tmpdir(), 'dozen-store-direct-'));
  readonly db: Db;
  readonly writer: StoreWriter;

  constructor(retention: Retention = DEFAULT_RETENTION) {
    this.db = openStoreForWriting(storePath(this.dir));
    this.writer = new StoreWriter(this.db, retention);
  }

  /** One chunk per row, one transaction for all. */
  write(rows: Row[]): void {
    const parts: Buffer[] = [];
    const chunks: ChunkMeta[] = [];
    let at = 0;
    for (const r of rows) {
      const data = Buffer.from(`${r.text}\n`);
      chunks.push({ tsUs: r.tsMs * 1000, instance: r.instance, source: r.source ?? 'app', stream: r.stream ?? 'stdout', start: at, end: at + data.length });
      parts.push(data);
      at += data.length;
    }
    this.writer.write({ bytes: Buffer.concat(parts), chunks });
  }

  indexAll(): void {
    while (this.writer.indexSlice() > 0);
  }

  count(): number {
    return this.db.prepare('SELECT coalesce(sum(lines), 0) FROM chunks').pluck().get() as number;
  }

  /** FTS5's own consistency check of its index. */
  ftsIntegrity(): void {
    this.db.exec("INSERT INTO lines_fts(lines_fts, rank) VALUES ('integrity-check', 1)");
  }

  close(): void {
    this.db.close();
  }
}
