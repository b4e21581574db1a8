// Reducer tests for the log store's attachment: inputs in, state and effects out. No I/O, no time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attached,
  EARLY_FLUSH_BYTES,
  QUIET_BYTES,
  QUIET_MS,
  transition,
  type Effect,
  type Input,
  type StoreContext,
  type StoreMachineConfig,
  type StoreState,
} from '../../../src/logs/store/store-machine.js';

const config: StoreMachineConfig = { flushMs: 250, spoolBytes: 256 << 10, maxQueueBytes: 64 << 20, idleMs: 30_000, closeTimeoutMs: 10_000 };
const noSpool: StoreMachineConfig = { ...config, spoolBytes: 0 };

type Step = [Input, Partial<Omit<StoreContext, 'config'>>?];

/** Runs inputs in order from `start` (each with its own context: now, the queue), returning the last state and every effect. */
function run(steps: Step[], cfg = config, start: StoreState = attached(cfg).state) {
  let state = start;
  const effects: Effect[] = [];
  for (const [input, over] of steps) {
    const t = transition(state, input, { now: 1_000, config: cfg, queuedBytes: 0, queueEmpty: true, following: false, ...over });
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const kinds = (effects: Effect[]) =>
  effects.map((e) => (e.type === 'set-timer' || e.type === 'clear-timer' ? `${e.type}:${e.timer}` : e.type === 'writer' ? `writer:${e.event}` : e.type));
const said = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'say' ? [`${e.level}: ${e.text}`] : []));

const flushTimer: Input = { type: 'timer', timer: 'flush' };
const lines = { queueEmpty: false, queuedBytes: 100 };
const fromWorker = (worker: number, message: Extract<Input, { type: 'worker-message' }>['message']): Input => ({ type: 'worker-message', worker, message });
const committed = (worker: number, lastId: number, n: number) => fromWorker(worker, { type: 'committed', lastId, lines: n });

test('attaching arms the flush timer; each tick re-arms it and, with no writer, hands the queue to the spool', () => {
  assert.deepEqual(attached(config).effects, [{ type: 'set-timer', timer: 'flush', ms: 250 }]);
  const { state, effects } = run([[flushTimer, lines]]);
  assert.deepEqual(effects, [{ type: 'set-timer', timer: 'flush', ms: 250 }, { type: 'spool' }]);
  assert.equal(state.state, 'attached');
  // An empty queue is still asked: the spool also tells whether output has gone quiet.
  assert.deepEqual(kinds(run([[flushTimer]]).effects), ['set-timer:flush', 'spool']);
});

test('a spool that has grown is moved in by a writer once output is quiet, not during a flood', () => {
  const big = 300 << 10;
  // A flush that brought QUIET_BYTES: loud, so no writer yet even though the spool is big.
  const loud = run([[{ type: 'spooled', batchBytes: QUIET_BYTES, spoolBytes: big }, { now: 5_000 }]]);
  assert.deepEqual(loud.effects, []);
  assert.deepEqual(loud.state.state === 'attached' && loud.state.spool, { bytes: big, loudAt: 5_000 });
  // Still loud just before QUIET_MS; quiet at it.
  const early = run([[{ type: 'spooled', batchBytes: 0, spoolBytes: big }, { now: 5_000 + QUIET_MS - 1 }]], config, loud.state);
  assert.deepEqual(early.effects, []);
  const quiet = run([[{ type: 'spooled', batchBytes: 0, spoolBytes: big }, { now: 5_000 + QUIET_MS }]], config, loud.state);
  assert.deepEqual(kinds(quiet.effects), ['close-spool', 'start-worker', 'writer:started']);
  assert.deepEqual(quiet.state.state === 'attached' && [quiet.state.writer, quiet.state.spool.bytes], [{ state: 'moving', worker: 1 }, 0]);
  // A small spool stays a spool, however quiet.
  assert.deepEqual(run([[{ type: 'spooled', batchBytes: 10, spoolBytes: 1000 }, { now: 60_000 }]]).effects, []);
});

test('a spool at the queue bound is moved in at once, flood or not', () => {
  const { effects, state } = run([[{ type: 'spooled', batchBytes: 1 << 20, spoolBytes: config.maxQueueBytes }]]);
  assert.deepEqual(kinds(effects), ['close-spool', 'start-worker', 'writer:started']);
  assert.equal(state.state === 'attached' && state.writer.state, 'moving');
});

test('while the spool is being moved in, flushes wait; once moved, the writer takes the batches (a full queue at once)', () => {
  const moving = run([[{ type: 'spooled', batchBytes: 0, spoolBytes: config.maxQueueBytes }]]).state;
  const waiting = run([[flushTimer, lines]], config, moving);
  assert.deepEqual(kinds(waiting.effects), ['set-timer:flush']);
  const moved = run([[fromWorker(1, { type: 'moved', lastId: 40, lines: 40 }), { queueEmpty: false, queuedBytes: EARLY_FLUSH_BYTES }]], config, moving);
  assert.deepEqual(moved.effects, [
    { type: 'committed', lastId: 40, lines: 40 },
    { type: 'write', worker: 1 },
  ]);
  assert.deepEqual(moved.state.state === 'attached' && moved.state.writer, { state: 'writing', worker: 1, lastBatchAt: 1_000 });
});

test('no spool: the first batch starts a writer, which is busy until it commits, then retires after idleMs', () => {
  const { state, effects } = run(
    [
      [flushTimer, { ...lines, now: 1_000 }],
      [flushTimer, { ...lines, now: 1_250 }], // busy: only the timer
      [fromWorker(1, { type: 'opened' })],
      [fromWorker(1, { type: 'moved', lastId: 0, lines: 0 })], // no spool to move: still busy with the batch
      [committed(1, 2, 2), { now: 1_300 }],
      [flushTimer, { now: 1_000 + 30_000 - 1 }], // idle, but not long enough
    ],
    noSpool,
  );
  assert.deepEqual(kinds(effects), ['set-timer:flush', 'close-spool', 'start-worker', 'writer:started', 'write', 'set-timer:flush', 'committed', 'set-timer:flush']);
  assert.deepEqual(state.state === 'attached' && state.writer, { state: 'ready', worker: 1, lastBatchAt: 1_000 });

  const retiring = run([[flushTimer, { now: 31_000 }]], noSpool, state);
  assert.deepEqual(retiring.effects.slice(1), [{ type: 'close-worker', worker: 1 }]);
  // Lines queued while it closes wait for it; then a new writer (number 2) takes them.
  const gone = run(
    [
      [flushTimer, { ...lines, now: 31_100 }],
      [fromWorker(1, { type: 'closed' }), lines],
      [{ type: 'worker-exit', worker: 1, code: 0 }], // after its 'closed': expected
      [flushTimer, { ...lines, now: 31_300 }],
    ],
    noSpool,
    retiring.state,
  );
  assert.deepEqual(kinds(gone.effects), ['set-timer:flush', 'writer:retired', 'set-timer:flush', 'close-spool', 'start-worker', 'writer:started', 'write']);
  assert.deepEqual(gone.state.state === 'attached' && gone.state.writer, { state: 'writing', worker: 2, lastBatchAt: 31_300 });
});

test('while lines are followed, batches bypass the spool: a writer numbers them', () => {
  const { effects } = run([[flushTimer, { ...lines, following: true }]]);
  assert.deepEqual(kinds(effects), ['set-timer:flush', 'close-spool', 'start-worker', 'writer:started', 'write']);
  // With nothing queued, following starts no writer.
  assert.deepEqual(kinds(run([[flushTimer, { following: true }]]).effects), ['set-timer:flush']);
});

test('detaching with a batch in flight: waits for it, hands over the rest, then closes the writer', () => {
  const writing = run([[flushTimer, lines]], noSpool).state;
  const { state, effects } = run(
    [
      [{ type: 'detach' }, lines],
      [{ type: 'detach' }, lines], // a second detach changes nothing
      [flushTimer, lines], // a timer that fired meanwhile: ignored
      [committed(1, 10, 10), lines],
      [committed(1, 12, 2)],
    ],
    noSpool,
    writing,
  );
  assert.deepEqual(kinds(effects), ['clear-timer:flush', 'set-timer:deadline', 'committed', 'write', 'committed', 'unsubscribe', 'close-worker']);
  assert.deepEqual(effects[1], { type: 'set-timer', timer: 'deadline', ms: 10_000 });
  assert.deepEqual(state, { state: 'closing', worker: 1 });
  const closed = run([[fromWorker(1, { type: 'closed' })], [{ type: 'worker-exit', worker: 1, code: 0 }]], noSpool, state);
  assert.deepEqual(kinds(closed.effects), ['close-spool', 'clear-timer:deadline', 'detached']);
  assert.deepEqual(closed.state, { state: 'closed' });
  assert.deepEqual(kinds(run([[{ type: 'detach' }]], noSpool, closed.state).effects), ['detached']);
});

test('detaching while spooling: what is queued is appended, then done (the spool stays for the next writer)', () => {
  const { state, effects } = run([
    [{ type: 'detach' }, lines],
    [{ type: 'spooled', batchBytes: 100, spoolBytes: config.maxQueueBytes }, lines], // a notice said meanwhile: again
    [{ type: 'spooled', batchBytes: 50, spoolBytes: config.maxQueueBytes }],
  ]);
  // No writer is started at exit, however large the spool.
  assert.deepEqual(kinds(effects), ['clear-timer:flush', 'set-timer:deadline', 'spool', 'spool', 'unsubscribe', 'close-spool', 'clear-timer:deadline', 'detached']);
  assert.deepEqual(state, { state: 'closed' });
});

test('detaching while the spool is being moved in: waits until it is, then closes the writer', () => {
  const moving = run([[{ type: 'spooled', batchBytes: 0, spoolBytes: config.maxQueueBytes }]]).state;
  const { state, effects } = run([[{ type: 'detach' }], [fromWorker(1, { type: 'moved', lastId: 900, lines: 900 })]], config, moving);
  assert.deepEqual(kinds(effects), ['clear-timer:flush', 'set-timer:deadline', 'committed', 'unsubscribe', 'close-worker']);
  assert.deepEqual(state, { state: 'closing', worker: 1 });
});

test('the writer failing: said once as an error, unsubscribed, the thread terminated; detach is over at once', () => {
  const writing = run([[flushTimer, lines]], noSpool).state;
  const { state, effects } = run([[fromWorker(1, { type: 'failed', message: 'SQLITE_FULL: database or disk is full' })], [flushTimer, lines]], noSpool, writing);
  assert.deepEqual(kinds(effects), ['clear-timer:flush', 'unsubscribe', 'close-spool', 'say', 'terminate-worker']);
  assert.deepEqual(said(effects), ['error: log store stopped, lines are no longer stored: SQLITE_FULL: database or disk is full']);
  assert.deepEqual(state, { state: 'failed', reason: 'SQLITE_FULL: database or disk is full' });
  // Its exit (terminated) and anything else it says are ignored.
  const after = run([[{ type: 'worker-exit', worker: 1, code: 1 }], [{ type: 'worker-error', worker: 1, message: 'late' }], [{ type: 'detach' }]], noSpool, state);
  assert.deepEqual(kinds(after.effects), ['detached']);
});

test('the writer thread exiting by itself, or crashing, stops the store', () => {
  const writing = run([[flushTimer, lines]], noSpool).state;
  assert.deepEqual(said(run([[{ type: 'worker-exit', worker: 1, code: 1 }]], noSpool, writing).effects), [
    'error: log store stopped, lines are no longer stored: the writer thread exited (code 1)',
  ]);
  assert.deepEqual(said(run([[{ type: 'worker-error', worker: 1, message: 'out of memory' }]], noSpool, writing).effects), [
    'error: log store stopped, lines are no longer stored: out of memory',
  ]);
  // A retiring writer that exits before it said 'closed' is a failure too.
  const ready = run([[committed(1, 1, 1)]], noSpool, writing).state;
  const retiring = run([[flushTimer, { now: 40_000 }]], noSpool, ready).state;
  assert.equal(run([[{ type: 'worker-exit', worker: 1, code: 7 }]], noSpool, retiring).state.state, 'failed');
});

test('a spool that cannot be written stops the store', () => {
  const { state, effects } = run([[{ type: 'spool-failed', message: 'cannot write /x/logs.spool: ENOSPC' }]]);
  assert.deepEqual(kinds(effects), ['clear-timer:flush', 'unsubscribe', 'close-spool', 'say']);
  assert.equal(state.state, 'failed');
});

test('detaching past the deadline: the writer is given up and terminated, and detach is over', () => {
  const closing: StoreState = { state: 'closing', worker: 3 };
  const { state, effects } = run([[{ type: 'timer', timer: 'deadline' }]], noSpool, closing);
  assert.deepEqual(kinds(effects), ['clear-timer:flush', 'close-spool', 'say', 'terminate-worker', 'clear-timer:deadline', 'detached']);
  assert.deepEqual(said(effects), ['error: log store stopped, lines are no longer stored: the writer did not finish within 10 s']);
  assert.equal(state.state, 'failed');
  // A writer that exits while closing ends the detach without an error: it was closing anyway.
  const exited = run([[{ type: 'worker-exit', worker: 3, code: 1 }]], noSpool, closing);
  assert.deepEqual(kinds(exited.effects), ['close-spool', 'clear-timer:deadline', 'detached']);
  // The deadline of an attached store does nothing.
  assert.deepEqual(run([[{ type: 'timer', timer: 'deadline' }]]).effects, []);
});

test("the writer's notices are said as warnings; messages from a writer that is not the current one are ignored", () => {
  const writing = run([[flushTimer, lines]], noSpool).state;
  assert.deepEqual(said(run([[fromWorker(1, { type: 'notice', text: 'log store: moved it aside' })]], noSpool, writing).effects), ['warn: log store: moved it aside']);
  assert.deepEqual(run([[committed(7, 1, 1)], [fromWorker(7, { type: 'failed', message: 'x' })]], noSpool, writing).effects, []);
});

test('the lines a writer sends back with a commit are passed on with it', () => {
  const writing = run([[flushTimer, { ...lines, following: true }]], noSpool).state;
  const stored = [{ id: 1, tsUs: 5, instance: 'web.1', type: 'web', source: 'app', stream: 'stdout', text: 'hi' }] as const;
  const { effects } = run([[fromWorker(1, { type: 'committed', lastId: 1, lines: 1, stored: [...stored] })]], noSpool, writing);
  assert.deepEqual(effects, [{ type: 'committed', lastId: 1, lines: 1, stored }]);
});
