import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLogStore } from '../../../src/logs/store/attach-log-store.js';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { openStoreForWriting, storePath } from '../../../src/logs/store/store-db.js';
import { readSpool, spoolPath } from '../../../src/logs/store/spool.js';
import type { StoredLine } from '../../../src/logs/store/stored-line.js';
import { parseLogQuery, type LogFilterOptions } from '../../../src/logs/query.js';
import { FakeSupervisor } from './fake-supervisor.js';
import { waitUntil } from '../../fixtures/harness.js';
import { DozenError } from '../../../src/errors.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dozen-store-'));
}

function q(o: LogFilterOptions, now = Date.now()) {
  return parseLogQuery(o, now);
}

test('200k lines of two instances are stored once each, in order, and found', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    const sup = new FakeSupervisor();
    const store = attachLogStore(sup, { stateDir: dir, spoolBytes: 0 });
    assert.equal(sup.listenerCount, 1);
    const perInstance = 100_000;
    const chunk = 500;
    for (let i = 0; i < perInstance; i += chunk) {
      for (const inst of ['web.1', 'web.2']) {
        const lines: string[] = [];
        for (let j = i; j < i + chunk; j++) lines.push(`${inst} line ${j} payload-${j % 997}`);
        sup.output(inst, lines);
      }
      // Yield now and then, as the real event loop does between reads.
      if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
    }
    sup.message('web.1 exited with code 0', 'web.1');
    sup.message('sending SIGTERM to all processes', undefined, 'warn');
    await store.detach();
    assert.equal(sup.listenerCount, 0, 'dispose unsubscribes');
    assert.equal(statSync(storePath(dir)).mode & 0o777, 0o600);

    const reader = LogReader.open(dir);
    assert.ok(reader);
    try {
      const all = reader.query(q({ source: 'app', num: '1000000' }));
      assert.equal(all.length, 2 * perInstance);
      for (const inst of ['web.1', 'web.2']) {
        const mine = all.filter((l) => l.instance === inst);
        assert.equal(mine.length, perInstance);
        mine.forEach((l, j) => assert.equal(l.text, `${inst} line ${j} payload-${j % 997}`));
        assert.ok(mine.every((l) => l.type === 'web' && l.stream === 'stdout' && l.source === 'app'));
      }
      const ids = all.map((l) => l.id);
      assert.ok(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)), 'oldest first, strictly increasing ids');

      const last3 = reader.query(q({ num: '3', source: 'app' }));
      assert.deepEqual(last3.map((l) => l.text), [
        `web.2 line ${perInstance - 3} payload-${(perInstance - 3) % 997}`,
        `web.2 line ${perInstance - 2} payload-${(perInstance - 2) % 997}`,
        `web.2 line ${perInstance - 1} payload-${(perInstance - 1) % 997}`,
      ]);
      const found = reader.query(q({ search: 'payload-996' }));
      const expected = Math.floor(perInstance / 997) * 2 + (perInstance % 997 > 996 ? 2 : 0);
      assert.equal(found.length, Math.min(100, expected));
      assert.ok(found.every((l) => l.text.endsWith('payload-996')));

      const dozen = reader.query(q({ source: 'dozen' }));
      assert.deepEqual(
        dozen.map((l) => [l.instance, l.type, l.stream, l.text]),
        [
          ['web.1', 'web', 'info', 'web.1 exited with code 0'],
          ['dozen', 'dozen', 'warn', 'sending SIGTERM to all processes'],
        ],
      );
    } finally {
      reader.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader sees committed lines while the store is still attached', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    const sup = new FakeSupervisor();
    let committed = 0;
    let onCommitted: (() => void) | undefined;
    const store = attachLogStore(sup, {
      stateDir: dir,
      spoolBytes: 0,
      flushMs: 20,
      onCommit: ({ lastId }) => {
        committed = lastId;
        onCommitted?.();
      },
    });
    sup.output('worker.1', ['first', 'second']);
    await new Promise<void>((resolve, reject) => {
      const bound = setTimeout(() => reject(new Error(`no commit within 10 s (committed=${committed})`)), 10_000);
      onCommitted = () => {
        clearTimeout(bound);
        resolve();
      };
    });
    const reader = LogReader.open(dir);
    assert.ok(reader);
    assert.deepEqual(reader.query(q({})).map((l) => l.text), ['first', 'second']);
    const cursor = reader.lastId();
    assert.equal(cursor, committed);
    sup.output('worker.1', ['third']);
    await store.detach();
    const next = reader.after(cursor, q({}));
    assert.deepEqual(next.lines.map((l) => l.text), ['third']);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the writer thread starts with the first batch, closes when idle, and a new one takes the next lines', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    const sup = new FakeSupervisor();
    const events: string[] = [];
    let onWriter: (() => void) | undefined;
    const store = attachLogStore(sup, {
      stateDir: dir,
      spoolBytes: 0,
      flushMs: 20,
      idleMs: 100,
      onWriter: (event) => {
        events.push(event);
        onWriter?.();
      },
    });
    const writerEvents = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (events.length < n) return;
          clearTimeout(bound);
          onWriter = undefined;
          resolve();
        };
        const bound = setTimeout(() => reject(new Error(`expected ${n} writer events within 10 s, got ${events.join(', ') || 'none'}`)), 10_000);
        onWriter = check;
        check();
      });
    assert.deepEqual(events, [], 'no writer before there is anything to store');
    sup.output('web.1', ['before the pause']);
    await writerEvents(2);
    assert.deepEqual(events, ['started', 'retired']);
    sup.output('web.1', ['after the pause']);
    sup.message('web.1 exited with code 0', 'web.1');
    await writerEvents(3);
    await store.detach();
    assert.deepEqual(events, ['started', 'retired', 'started']);
    const reader = LogReader.open(dir);
    assert.ok(reader);
    assert.deepEqual(
      reader.query(q({})).map((l) => l.text),
      ['before the pause', 'after the pause', 'web.1 exited with code 0'],
    );
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('terminal escape codes and CR are removed; stderr is kept apart', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    const sup = new FakeSupervisor();
    const store = attachLogStore(sup, { stateDir: dir, spoolBytes: 0 });
    sup.output('web.1', ['\x1b[31mred error\x1b[0m text', 'windows line\r', '\x1b]0;title\x07plain']);
    sup.output('web.1', ['oops'], 'stderr');
    await store.detach();
    const reader = LogReader.open(dir);
    assert.ok(reader);
    const lines = reader.query(q({}));
    assert.deepEqual(lines.map((l) => [l.stream, l.text]), [
      ['stdout', 'red error text'],
      ['stdout', 'windows line'],
      ['stdout', 'plain'],
      ['stderr', 'oops'],
    ]);
    assert.deepEqual(reader.query(q({ search: 'red' })).map((l) => l.text), ['red error text']);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when the queue bound is hit, lines are dropped, counted and reported once', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    const sup = new FakeSupervisor();
    const messages = sup.said;
    const store = attachLogStore(sup, { stateDir: dir, spoolBytes: 0, maxQueueBytes: 64 * 1024 });
    // 2000 events of 10 lines of 10 bytes each in one tick: 200 KB, far over the 64 KB bound.
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      sup.output('web.1', Array.from({ length: 10 }, (_, j) => `n${String(i * 10 + j).padStart(7, '0')}`));
      total += 10;
    }
    await store.detach();
    assert.equal(messages.length, 1, messages.join('\n'));
    const m = /^log store: (\d+) lines were not stored/.exec(messages[0] as string);
    assert.ok(m, messages[0]);
    const dropped = Number(m[1]);
    const reader = LogReader.open(dir);
    assert.ok(reader);
    const stored = reader.query(q({ source: 'app', num: '1000000' }));
    assert.equal(stored.length + dropped, total);
    assert.ok(dropped > 0 && stored.length > 0);
    // What was kept is the beginning, intact and in order.
    stored.forEach((l, i) => assert.equal(l.text, `n${String(i).padStart(7, '0')}`));
    assert.deepEqual(reader.query(q({ source: 'dozen' })).map((l) => l.text), [messages[0]]);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a state folder without a store has no reader', () => {
  const dir = tempDir();
  try {
    assert.equal(LogReader.open(dir), undefined);
    openStoreForWriting(storePath(dir)).close();
    const reader = LogReader.open(dir);
    assert.ok(reader);
    assert.deepEqual(reader.query(q({})), []);
    assert.equal(reader.lastId(), 0);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged store: dozen logs says so in one line; the next start sets it aside and starts anew', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    writeFileSync(storePath(dir), 'this is not an SQLite database, it is '.repeat(200));
    assert.throws(
      () => LogReader.open(dir),
      (e: unknown) => e instanceof DozenError && /logs\.db: the log store is damaged \(SQLITE_NOTADB\); the next dozen start moves it aside/.test(e.message),
    );
    const sup = new FakeSupervisor();
    const messages = sup.said;
    const store = attachLogStore(sup, { stateDir: dir, spoolBytes: 0 });
    sup.output('web.1', ['after the damage']);
    await store.detach();
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0] as string, /^log store: .*logs\.db was damaged \(SQLITE_NOTADB\); moved it to .*logs\.db\.damaged and started a new one$/);
    assert.ok(existsSync(`${storePath(dir)}.damaged`));
    const reader = LogReader.open(dir);
    assert.ok(reader);
    // The notice is stored when the worker reports it, after what was already queued.
    assert.deepEqual(reader.query(q({})).map((l) => [l.source, l.text]), [
      ['app', 'after the damage'],
      ['dozen', messages[0]],
    ]);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('onStored: a follower gets exactly the lines committed while it follows, in order and numbered as stored', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    const sup = new FakeSupervisor();
    const store = attachLogStore(sup, { stateDir: dir, flushMs: 10 }); // the spool takes light output
    sup.output('web.1', ['before anyone follows']);
    const spooled = () => readSpool(spoolPath(dir))?.records.length ?? 0;
    await waitUntil(() => spooled() === 1, 'the spool to take the first line', 10_000, () => `spool records: ${spooled()}`);

    const got: StoredLine[][] = [];
    const stop = store.onStored((lines) => got.push(lines));
    sup.output('web.1', ['GET / 200', 'GET /missing 404']);
    sup.output('worker.1', ['job 1 done'], 'stderr');
    sup.message('web.1 listening', 'web.1');
    await waitUntil(() => got.flat().length >= 4, 'the four lines to be reported', 10_000, () => JSON.stringify(got.flat().map((l) => l.text)));
    stop();
    sup.output('web.1', ['after the follower left']);
    await store.detach();

    const reader = LogReader.open(dir);
    assert.ok(reader);
    const stored = reader.query(q({}));
    reader.close();
    assert.deepEqual(stored.map((l) => l.text), ['before anyone follows', 'GET / 200', 'GET /missing 404', 'job 1 done', 'web.1 listening', 'after the follower left']);
    // Not the spooled line (readable before), nor the one after it left: the four between, as stored.
    assert.deepEqual(got.flat(), stored.slice(1, 5));
    assert.deepEqual(got.flat().map((l) => [l.id, l.instance, l.type, l.source, l.stream]), [
      [2, 'web.1', 'web', 'app', 'stdout'],
      [3, 'web.1', 'web', 'app', 'stdout'],
      [4, 'worker.1', 'worker', 'app', 'stderr'],
      [5, 'web.1', 'web', 'dozen', 'info'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
