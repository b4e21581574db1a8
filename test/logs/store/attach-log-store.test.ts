// The store's driver on a manual clock with a fake writer thread: the test decides when the
// flush timer and the deadline fire and what the writer answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLogStore, type LogStoreOptions, type WriterThread } from '../../../src/logs/store/attach-log-store.js';
import { readSpool, spoolPath } from '../../../src/logs/store/spool.js';
import type { FromWorker, ToWorker } from '../../../src/logs/store/store-worker.js';
import { ManualClock } from '../../supervisor/manual-clock.js';
import { FakeSupervisor } from './fake-supervisor.js';

/** A writer thread that only records what it is sent; the test speaks for it. */
class FakeWriter extends EventEmitter implements WriterThread {
  readonly received: ToWorker[] = [];
  terminated = false;

  postMessage(message: ToWorker): void {
    this.received.push(message);
  }

  say(message: FromWorker): void {
    this.emit('message', message);
  }

  async terminate(): Promise<number> {
    this.terminated = true;
    this.emit('exit', 1);
    return 1;
  }

  /** The lines of the batches received, in order. */
  get lines(): string[] {
    return this.received.flatMap((m) => (m.type === 'batch' ? m.batch.chunks.map((c) => Buffer.from(m.batch.bytes.subarray(c.start, c.end)).toString().trimEnd()) : []));
  }
}

type Rig = ReturnType<typeof setup>;

/** Runs `body` with a store attached to a fake supervisor in a temporary folder. */
async function withStore(over: Partial<LogStoreOptions>, body: (t: Rig) => Promise<void>): Promise<void> {
  const t = setup(over);
  try {
    await body(t);
  } finally {
    rmSync(t.dir, { recursive: true, force: true });
  }
}

/** Outputs `lines` and lets the flush timer fire: the writer they went to (the latest). */
function flushed(t: Rig, lines: string[]): FakeWriter {
  t.sup.output('web.1', lines);
  t.clock.advance(100);
  return t.writers[t.writers.length - 1] as FakeWriter;
}

function setup(over: Partial<LogStoreOptions>) {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-attach-'));
  const clock = new ManualClock();
  const sup = new FakeSupervisor();
  const writers: FakeWriter[] = [];
  const store = attachLogStore(sup, {
    stateDir: dir,
    clock,
    flushMs: 100,
    startWriter: () => {
      const w = new FakeWriter();
      writers.push(w);
      return w;
    },
    ...over,
  });
  return { dir, clock, sup, writers, store };
}

/** Resolves true if `p` settles within a few turns of the event loop. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

test('nothing is handed on before the flush timer fires on the clock; then the spool takes the lines', () =>
  withStore({}, async (t) => {
    t.sup.output('web.1', ['one', 'two']);
    t.clock.advance(99);
    assert.equal(existsSync(spoolPath(t.dir)), false);
    t.clock.advance(1);
    assert.deepEqual(readSpool(spoolPath(t.dir))?.records.map((r) => r.data.toString()), ['one\ntwo\n']);
    t.sup.output('web.1', ['three']);
    t.clock.advance(100);
    assert.equal(readSpool(spoolPath(t.dir))?.records.length, 2);
    assert.equal(t.writers.length, 0);
    assert.equal(await settles(t.store.detach()), true);
    assert.equal(t.sup.listenerCount, 0);
    assert.equal(t.clock.armed, 0, 'no timer left');
  }));

test('a writer that never closes: detaching gives up at the deadline, says so and terminates it', () =>
  withStore({ spoolBytes: 0 }, async (t) => {
    const w = flushed(t, ['stored']);
    assert.deepEqual(w.lines, ['stored']);
    w.say({ type: 'committed', lastId: 1, lines: 1 });
    const detached = t.store.detach();
    assert.deepEqual(w.received.map((m) => m.type), ['batch', 'close']);
    assert.equal(await settles(detached), false, 'waits for the writer');
    t.clock.advance(9_999);
    assert.equal(await settles(detached), false);
    t.clock.advance(1);
    assert.equal(await settles(detached), true);
    assert.deepEqual(t.sup.said, ['log store stopped, lines are no longer stored: the writer did not finish within 10 s']);
    assert.equal(w.terminated, true);
  }));

test('the writer failing mid-run: one error, no more lines taken, and detaching is over at once', () =>
  withStore({ spoolBytes: 0 }, async (t) => {
    const w = flushed(t, ['first']);
    w.say({ type: 'failed', message: 'SQLITE_IOERR: disk I/O error' });
    assert.deepEqual(t.sup.said, ['log store stopped, lines are no longer stored: SQLITE_IOERR: disk I/O error']);
    assert.equal(t.sup.listenerCount, 0, 'unsubscribed');
    assert.equal(w.terminated, true);
    t.sup.output('web.1', ['second']);
    t.clock.advance(1_000);
    assert.equal(t.writers.length, 1, 'no new writer');
    assert.equal(await settles(t.store.detach()), true);
  }));

test('a writer thread that exits by itself stops the store; a retired one exits quietly and a new one takes over', () =>
  withStore({ spoolBytes: 0, idleMs: 500 }, async (t) => {
    const first = flushed(t, ['a']);
    first.say({ type: 'committed', lastId: 1, lines: 1 });
    t.clock.advance(500); // idle: asked to close
    assert.deepEqual(first.received.map((m) => m.type), ['batch', 'close']);
    first.say({ type: 'closed' });
    first.emit('exit', 0);
    assert.deepEqual(t.sup.said, []);
    const second = flushed(t, ['b']);
    assert.deepEqual(second.lines, ['b']);
    second.emit('exit', 134);
    assert.deepEqual(t.sup.said, ['log store stopped, lines are no longer stored: the writer thread exited (code 134)']);
    assert.equal(await settles(t.store.detach()), true);
  }));

test('detaching while spooling a grown spool that is being moved in: waits for the move, then closes the writer', () =>
  withStore({ spoolBytes: 10 }, async (t) => {
    t.sup.output('web.1', ['a line long enough to pass the spool size']);
    t.clock.advance(100); // spooled; output was never loud, so a writer moves it in
    assert.equal(t.writers.length, 1);
    const w = t.writers[0] as FakeWriter;
    t.sup.output('web.1', ['while moving']);
    const detached = t.store.detach();
    t.sup.output('web.1', ['while detaching']);
    assert.equal(w.received.length, 0, 'no batch while it moves the spool');
    w.say({ type: 'moved', lastId: 1, lines: 1 });
    assert.deepEqual(w.lines, ['while moving'], 'app lines that came while detaching are not stored');
    w.say({ type: 'committed', lastId: 2, lines: 1 });
    assert.deepEqual(w.received.map((m) => m.type), ['batch', 'close']);
    w.say({ type: 'closed' });
    assert.equal(await settles(detached), true);
    assert.deepEqual(t.sup.said, []);
  }));

test('the writer sends lines back only while someone follows; a listener that throws is dropped and the error said', () =>
  withStore({ spoolBytes: 0 }, async (t) => {
    const unfollowed = flushed(t, ['nobody follows']);
    assert.deepEqual(unfollowed.received.map((m) => m.type === 'batch' && m.keepLines), [false]);
    unfollowed.say({ type: 'committed', lastId: 1, lines: 1 });

    const got: string[][] = [];
    t.store.onStored((lines) => got.push(lines.map((l) => `${l.id} ${l.text}`)));
    const stopThrowing = t.store.onStored(() => {
      throw new Error('listener bug');
    });
    const w = flushed(t, ['followed']);
    assert.deepEqual(w.received.map((m) => m.type === 'batch' && m.keepLines), [false, true]);
    const line = { id: 2, tsUs: 5, instance: 'web.1', type: 'web', source: 'app', stream: 'stdout', text: 'followed' } as const;
    w.say({ type: 'committed', lastId: 2, lines: 1, stored: [line] });
    w.say({ type: 'committed', lastId: 3, lines: 1, stored: [{ ...line, id: 3, text: 'next' }] });
    assert.deepEqual(got, [['2 followed'], ['3 next']]);
    assert.deepEqual(t.sup.said, ['a stored-lines listener failed and gets no more lines: listener bug']);
    stopThrowing(); // already dropped: harmless
    w.say({ type: 'committed', lastId: 4, lines: 1 }); // a batch handed on before anyone followed
    assert.equal(got.length, 2);
  }));
