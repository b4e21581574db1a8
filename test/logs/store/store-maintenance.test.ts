// The reader only reads; what it may want written first is the maintenance's: a store made from a
// spool, a grown spool moved in, a crash's unindexed backlog indexed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkQueue } from '../../../src/logs/store/chunk-queue.js';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { spoolPath, SpoolWriter } from '../../../src/logs/store/spool.js';
import { storePath } from '../../../src/logs/store/store-db.js';
import { CATCH_UP_LINES, SPOOL_READ_MAX, StoreMaintenance } from '../../../src/logs/store/store-maintenance.js';
import { parseLogQuery } from '../../../src/logs/query.js';
import { DirectStore } from './store-writer-helpers.js';

const all = parseLogQuery({ num: '10000000' }, Date.now());

/** Appends `texts` to the folder's spool, one record each, as dozen's main thread does. */
function spool(dir: string, texts: string[]): void {
  const queue = new ChunkQueue();
  texts.forEach((text, i) => queue.pushText(1000 + i, 'web.1', 'app', 'stdout', text));
  const w = new SpoolWriter(spoolPath(dir));
  w.append(queue.take(false)!);
  w.close();
}

test('a reader over a spool alone writes nothing; the maintenance makes the store from it, with the same line numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-maint-'));
  try {
    spool(dir, ['one', 'two', 'three']);
    const spoolBefore = readFileSync(spoolPath(dir));
    const reader = LogReader.open(dir);
    assert.ok(reader);
    const read = reader.query(all).map((l) => [l.id, l.text]);
    assert.deepEqual(read, [[1, 'one'], [2, 'two'], [3, 'three']]);
    assert.deepEqual(reader.backlog(), { spooledBytes: spoolBefore.length - 16, unindexedLines: 0 });
    reader.close();
    assert.equal(existsSync(storePath(dir)), false, 'no store file');
    assert.deepEqual(readFileSync(spoolPath(dir)), spoolBefore, 'the spool as it was');

    new StoreMaintenance(dir).createStoreFromSpool();
    const stored = LogReader.open(dir);
    assert.ok(stored);
    assert.deepEqual(stored.query(all).map((l) => [l.id, l.text]), read);
    assert.deepEqual(stored.backlog(), { spooledBytes: 0, unindexedLines: 3 });
    stored.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('catchUp moves a spool only once it has grown, and indexes a backlog only for a search and only when large', () => {
  const store = new DirectStore();
  try {
    store.write([{ tsMs: 1, instance: 'web.1', text: 'stored first' }]);
    const maintenance = new StoreMaintenance(store.dir);
    spool(store.dir, ['small']);
    const reader = LogReader.open(store.dir);
    assert.ok(reader);
    const small = reader.backlog();
    assert.ok(small.spooledBytes > 0 && small.spooledBytes < SPOOL_READ_MAX);
    maintenance.catchUp(small, { search: true });
    assert.equal(store.count(), 1, 'a small spool is read, not moved');

    const line = 'x'.repeat(100);
    spool(store.dir, Array.from({ length: Math.ceil(SPOOL_READ_MAX / 100) }, () => line));
    const grown = reader.backlog();
    assert.ok(grown.spooledBytes >= SPOOL_READ_MAX);
    const before = reader.query(all).map((l) => l.id);
    maintenance.catchUp(grown, { search: false });
    assert.equal(store.count(), before.length, 'moved in');
    assert.equal(reader.backlog().spooledBytes, 0);
    assert.deepEqual(reader.query(all).map((l) => l.id), before, 'the same numbers');
    assert.ok(reader.backlog().unindexedLines > 0, 'not indexed without a search');
    assert.ok(!store.writer.fullyIndexed());

    store.write(Array.from({ length: CATCH_UP_LINES }, (_, i) => ({ tsMs: 2, instance: 'web.1', text: `line ${i}` })));
    maintenance.catchUp(reader.backlog(), { search: false });
    assert.ok(!store.writer.fullyIndexed(), 'no search: no indexing');
    maintenance.catchUp(reader.backlog(), { search: true });
    assert.ok(store.writer.fullyIndexed());
    assert.deepEqual(reader.backlog(), { spooledBytes: 0, unindexedLines: 0 });
    reader.close();
  } finally {
    store.close();
    rmSync(store.dir, { recursive: true, force: true });
  }
});
