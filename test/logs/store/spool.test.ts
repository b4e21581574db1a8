import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLogStore } from '../../../src/logs/store/attach-log-store.js';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { StoreMaintenance } from '../../../src/logs/store/store-maintenance.js';
import { storePath } from '../../../src/logs/store/store-db.js';
import { readSpool, spoolPath, SpoolWriter } from '../../../src/logs/store/spool.js';
import { ChunkQueue } from '../../../src/logs/store/chunk-queue.js';
import { parseLogQuery, type LogFilterOptions } from '../../../src/logs/query.js';
import { waitUntil } from '../../fixtures/harness.js';
import { FakeSupervisor } from './fake-supervisor.js';

const q = (o: LogFilterOptions) => parseLogQuery(o, Date.now());
/** What the spool holds now, for the errors of waits that run out. */
const spoolHolds = (dir: string) => {
  const spool = readSpool(spoolPath(dir));
  return spool === undefined ? 'no spool' : `the spool holds ${spool.records.length} records`;
};

test('light output goes to the spool (no writer thread); dozen logs sees it at once, with the line numbers the store gives it', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-spool-'));
  try {
    const sup = new FakeSupervisor();
    const writers: string[] = [];
    const store = attachLogStore(sup, { stateDir: dir, flushMs: 10, onWriter: (e) => writers.push(e) });
    sup.output('web.1', ['GET / 200', 'GET /favicon 404']);
    sup.output('worker.1', ['job 1 done'], 'stderr');
    sup.message('web.1 listening', 'web.1');
    await waitUntil(() => (readSpool(spoolPath(dir))?.records.length ?? 0) >= 3, 'the spool to hold the lines', 10_000, () => spoolHolds(dir));
    assert.equal(statSync(spoolPath(dir)).mode & 0o777, 0o600);
    assert.equal(existsSync(storePath(dir)), false, 'no database yet');
    assert.deepEqual(writers, [], 'no writer thread for a few lines');

    new StoreMaintenance(dir).createStoreFromSpool(); // as `dozen logs` does first
    assert.ok(existsSync(storePath(dir)));
    const reader = LogReader.open(dir);
    assert.ok(reader);
    const before = reader.query(q({}));
    assert.deepEqual(before.map((l) => [l.id, l.instance, l.stream, l.text]), [
      [1, 'web.1', 'stdout', 'GET / 200'],
      [2, 'web.1', 'stdout', 'GET /favicon 404'],
      [3, 'worker.1', 'stderr', 'job 1 done'],
      [4, 'web.1', 'info', 'web.1 listening'],
    ]);
    // Spooled after the reader opened: read from the spool, numbered on.
    sup.output('web.1', ['POST /login 302']);
    await waitUntil(() => (readSpool(spoolPath(dir))?.records.length ?? 0) >= 1 && reader.lastId() === 5, 'the new line in the spool', 10_000, () => `${spoolHolds(dir)}; the reader's last id is ${reader.lastId()}`);
    assert.deepEqual(reader.query(q({ ps: 'web', source: 'app', num: '2' })).map((l) => [l.id, l.text]), [
      [2, 'GET /favicon 404'],
      [5, 'POST /login 302'],
    ]);
    assert.deepEqual(reader.query(q({ search: 'login' })).map((l) => l.id), [5]);
    const tail = reader.after(4, q({}));
    assert.deepEqual([tail.cursor, tail.lines.map((l) => l.text)], [5, ['POST /login 302']]);

    await store.detach(); // the spool stays: the next writer or reader moves it in
    assert.ok(existsSync(spoolPath(dir)));
    const after = reader.query(q({ num: '10' }));
    assert.deepEqual(after.map((l) => [l.id, l.text]), [...before.map((l) => [l.id, l.text]), [5, 'POST /login 302']]);
    assert.deepEqual(reader.query(q({ search: 'login' })).map((l) => l.id), [5]);

    // The next run's writer moves the rest in: the same numbers, and the spool is gone.
    const sup2 = new FakeSupervisor();
    let moved = 0;
    const store2 = attachLogStore(sup2, { stateDir: dir, flushMs: 10, spoolBytes: 1, onCommit: ({ lastId }) => (moved = lastId) });
    sup2.output('web.1', ['GET /next-run 200']);
    await waitUntil(() => moved >= 6, 'the next writer to move the spool in', 10_000, () => `last id committed: ${moved}; ${spoolHolds(dir)}`);
    await store2.detach();
    assert.equal(existsSync(spoolPath(dir)), false);
    assert.deepEqual(reader.query(q({ num: '2' })).map((l) => [l.id, l.text]), [
      [5, 'POST /login 302'],
      [6, 'GET /next-run 200'],
    ]);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a spool that has grown is moved in by a writer thread once output is quiet, then removed', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-spool-'));
  try {
    const sup = new FakeSupervisor();
    const writers: string[] = [];
    let committed = 0;
    const store = attachLogStore(sup, {
      stateDir: dir,
      flushMs: 10,
      spoolBytes: 1024,
      onWriter: (e) => writers.push(e),
      onCommit: ({ lastId }) => (committed = lastId),
    });
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} of the burst`);
    sup.output('web.1', lines);
    await waitUntil(() => committed === 200, 'a writer to move the spool in', 10_000, () => `last id committed: ${committed}; writer events: ${writers.join(', ') || 'none'}; ${spoolHolds(dir)}`);
    assert.deepEqual(writers, ['started']);
    await waitUntil(() => !existsSync(spoolPath(dir)), 'the spool to be removed', 10_000, () => spoolHolds(dir));
    sup.output('web.1', ['after the burst']); // to the writer, which is still running
    await store.detach();
    const reader = LogReader.open(dir);
    assert.ok(reader);
    const all = reader.query(q({ source: 'app', num: '1000' }));
    assert.deepEqual(all.map((l) => l.text), [...lines, 'after the burst']);
    assert.deepEqual(all.map((l) => l.id), all.map((_, i) => i + 1));
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILL while spooling a flood: every line the spool held is read back, in order, none torn or repeated', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-spool-crash-'));
  const child = spawn(process.execPath, [fileURLToPath(new URL('./flood-child.js', import.meta.url))], {
    env: { ...process.env, DOZEN_FLOOD_STORE_DIR: dir, DOZEN_FLOOD_MODE: 'spool' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    // Lines the spool holds just before the kill: at least these must be read back.
    let held = 0;
    await waitUntil(
      () => {
        held = (readSpool(spoolPath(dir))?.records ?? []).reduce((sum, r) => sum + r.data.filter((b) => b === 0x0a).length, 0);
        return held >= 100_000;
      },
      'the spool to hold 100,000 lines',
      60_000,
      () => `the spool held ${held} lines; the child's stderr: ${stderr || '(empty)'}`,
    );
    child.kill('SIGKILL');
    await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    assert.equal(child.signalCode, 'SIGKILL');

    // As `dozen logs` reads: the store is made from the spool, the backlog indexed before a search.
    const maintenance = new StoreMaintenance(dir);
    maintenance.createStoreFromSpool();
    const reader = LogReader.open(dir);
    assert.ok(reader);
    maintenance.catchUp(reader.backlog(), { search: false });
    const lines = reader.query(q({ num: '10000000' }));
    assert.ok(lines.length >= held, `read back ${lines.length} < ${held} held before the kill`);
    lines.forEach((l, i) => {
      if (l.text !== `flood ${i} some text to search` || l.id !== i + 1) assert.fail(`line ${i + 1}: ${l.id} ${l.text}`);
    });
    maintenance.catchUp(reader.backlog(), { search: true });
    assert.deepEqual(reader.query(q({ search: `"flood ${held - 1}"` })).map((l) => l.id), [held]);
    reader.close();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a spool cut short by a full disk is cut back to its last whole record; a file that is not a spool is set aside', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-spool-'));
  try {
    const path = spoolPath(dir);
    // SpoolWriter appends what ChunkQueue laid out (header + data): lay it out the same way.
    const queue = new ChunkQueue();
    queue.pushText(1, 'web.1', 'app', 'stdout', 'first');
    const w = new SpoolWriter(path);
    w.append(queue.take(false)!);
    w.close();
    appendFileSync(path, Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a record cut short
    queue.pushText(2, 'web.1', 'app', 'stdout', 'second');
    const w2 = new SpoolWriter(path);
    w2.append(queue.take(false)!);
    w2.close();
    assert.deepEqual(readSpool(path)?.records.map((r) => r.data.toString()), ['first\n', 'second\n']);

    writeFileSync(path, 'not a spool at all, but long enough');
    queue.pushText(3, 'web.1', 'app', 'stdout', 'third');
    const w3 = new SpoolWriter(path);
    w3.append(queue.take(false)!);
    w3.close();
    assert.deepEqual(readSpool(path)?.records.map((r) => r.data.toString()), ['third\n']);
    assert.ok(existsSync(`${path}.damaged`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
