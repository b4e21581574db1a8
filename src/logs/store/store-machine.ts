// The log store's attachment as one state machine with ONE pure transition function:
// (state, input, context) -> { state, effects }. No I/O and no clock here: the driver
// (attach-log-store.ts) owns the queue, the spool file, the writer thread and the timers; it feeds
// in what happens to them and performs the effects.
//
//   attached, no writer --flush--> [spool the queue] --spooled: grown, output quiet--> moving --moved--> ready
//   attached, no writer, no spool (or lines followed) --flush, lines queued--> writing --committed--> ready
//   ready --flush, lines queued--> writing;   ready --flush, idle for idleMs--> retiring --closed--> no writer
//   detach --> draining: what is queued is handed over and waited for --> closing --closed | exit--> closed
//   a writer that fails or exits, a spool that cannot be written, a detach past its deadline --> failed
//
// Writer threads are numbered: what a thread says after it was retired (its exit) is told from
// what the current one says.
import { unreachable } from '../../errors.js';
import type { StoredLine } from './stored-line.js';
import type { FromWorker } from './store-worker.js';

/** Hand over early when this much is queued and the writer is free. */
export const EARLY_FLUSH_BYTES = 4 << 20;
/**
 * The spool takes the lines while no writer runs; a writer is started to move them into the
 * database once the spool holds `spoolBytes` and no flush has brought QUIET_BYTES for QUIET_MS (the
 * output has calmed down: a flood is stored at the cost of one write(2) per flush, and SQLite does
 * its work after it), or at once when it holds the queue bound (a flood that does not end).
 */
export const QUIET_BYTES = 16 << 10;
export const QUIET_MS = 1000;

export interface StoreMachineConfig {
  /** Hand the queue on this often. */
  flushMs: number;
  /** The spool's size from which a writer moves it in; 0: no spool, a writer takes every batch. */
  spoolBytes: number;
  /** The queue's bound; a spool this large is moved in even while output goes on. */
  maxQueueBytes: number;
  /** Close a writer after this long without a batch. */
  idleMs: number;
  /** How long detaching may wait for the writer. */
  closeTimeoutMs: number;
}

export interface StoreContext {
  now: number;
  config: StoreMachineConfig;
  /** What the queue holds now. */
  queuedBytes: number;
  queueEmpty: boolean;
  /** Someone follows the stored lines: batches go to a writer (only it numbers them), not to the spool. */
  following: boolean;
}

export type Writer =
  | { state: 'none' }
  /** Started to move the spool in; takes no batch until it has. */
  | { state: 'moving'; worker: number }
  /** A batch is in it, not yet committed. */
  | { state: 'writing'; worker: number; lastBatchAt: number }
  | { state: 'ready'; worker: number; lastBatchAt: number }
  /** Idle and asked to close; lines queued meanwhile wait until it has. */
  | { state: 'retiring'; worker: number };

/** What attached and draining have in common. */
export interface Running {
  writer: Writer;
  /** The spool's size at its last append (0 once a writer owns it), and when a flush last brought QUIET_BYTES or more. */
  spool: { bytes: number; loudAt: number };
  /** Writer threads started so far: the current one is number `workers`. */
  workers: number;
}

export type StoreState =
  | ({ state: 'attached' } & Running)
  /** Detaching: no new app lines; what is queued is handed over, then the writer is closed. */
  | ({ state: 'draining' } & Running)
  /** Drained; the writer was asked to close and has not yet. */
  | { state: 'closing'; worker: number }
  | { state: 'closed' }
  /** Stopped storing; the reason was said. */
  | { state: 'failed'; reason: string };

export type TimerName = 'flush' | 'deadline';

export type Input =
  | { type: 'timer'; timer: TimerName }
  /** App output has filled the queue past EARLY_FLUSH_BYTES. */
  | { type: 'queue-full' }
  /** The `spool` effect appended `batchBytes` (0: the queue was empty); the spool now holds `spoolBytes`. */
  | { type: 'spooled'; batchBytes: number; spoolBytes: number }
  | { type: 'spool-failed'; message: string }
  | { type: 'worker-message'; worker: number; message: FromWorker }
  | { type: 'worker-error'; worker: number; message: string }
  | { type: 'worker-exit'; worker: number; code: number }
  | { type: 'detach' };

export type Effect =
  | { type: 'set-timer'; timer: TimerName; ms: number }
  | { type: 'clear-timer'; timer: TimerName }
  /** Take the queue (keeping its arena), append it to the spool, report `spooled` or `spool-failed`. */
  | { type: 'spool' }
  /** Close the spool file: a writer owns it now, or the store stops. */
  | { type: 'close-spool' }
  | { type: 'start-worker'; worker: number }
  /** Take the queue (transferring its arena) and post it to the worker. */
  | { type: 'write'; worker: number }
  /** Ask the worker to close once it is done with what it holds. */
  | { type: 'close-worker'; worker: number }
  | { type: 'terminate-worker'; worker: number }
  | { type: 'say'; level: 'warn' | 'error'; text: string }
  /** Lines were committed; `stored` holds them when the batch asked for them. */
  | { type: 'committed'; lastId: number; lines: number; stored?: StoredLine[] }
  | { type: 'writer'; event: 'started' | 'retired' }
  /** Stop listening to the supervisor. */
  | { type: 'unsubscribe' }
  /** Detaching is over. */
  | { type: 'detached' };

export interface Transition {
  state: StoreState;
  effects: Effect[];
}

const NO_WRITER: Writer = { state: 'none' };

/** Attaching: no writer, an empty spool gauge, the first flush timer. */
export function attached(config: StoreMachineConfig): Transition {
  return {
    state: { state: 'attached', writer: NO_WRITER, spool: { bytes: 0, loudAt: -Infinity }, workers: 0 },
    effects: [{ type: 'set-timer', timer: 'flush', ms: config.flushMs }],
  };
}

/** True while a batch or the spool is in the writer: a flush now would do nothing. */
export function writerBusy(s: StoreState): boolean {
  return (s.state === 'attached' || s.state === 'draining') && s.writer.state !== 'none' && s.writer.state !== 'ready';
}

export function transition(s: StoreState, input: Input, ctx: StoreContext): Transition {
  const same: Transition = { state: s, effects: [] };
  switch (input.type) {
    case 'timer':
      if (input.timer === 'deadline') {
        return s.state === 'draining' || s.state === 'closing' ? fail(s, `the writer did not finish within ${ctx.config.closeTimeoutMs / 1000} s`) : same;
      }
      if (s.state !== 'attached') return same;
      return also([{ type: 'set-timer', timer: 'flush', ms: ctx.config.flushMs }], flush(s, ctx));

    case 'queue-full':
      return s.state === 'attached' ? flush(s, ctx) : same;

    case 'spooled': {
      if ((s.state !== 'attached' && s.state !== 'draining') || s.writer.state !== 'none') return same;
      const spool = { bytes: input.spoolBytes, loudAt: input.batchBytes >= QUIET_BYTES ? ctx.now : s.spool.loudAt };
      const next = { ...s, spool };
      if (next.state === 'draining') return flush(next, ctx); // again, or drained
      // Not at exit: the next writer or `dozen logs` moves it.
      const quiet = ctx.now - spool.loudAt >= QUIET_MS;
      if ((quiet && spool.bytes >= ctx.config.spoolBytes) || spool.bytes >= ctx.config.maxQueueBytes) return startWriter(next, 'moving', ctx);
      return { state: next, effects: [] };
    }

    case 'spool-failed':
      return s.state === 'attached' || s.state === 'draining' ? fail(s, input.message) : same;

    case 'worker-message':
      return input.worker === currentWorker(s) ? fromWorker(s, input.message, ctx) : same;

    case 'worker-error':
      return input.worker === currentWorker(s) ? fail(s, input.message) : same;

    case 'worker-exit':
      // A thread that said 'closed' is no longer current: its exit is expected.
      if (input.worker !== currentWorker(s)) return same;
      if (s.state === 'closing') return closed(); // closing anyway: nothing left to lose
      return fail(s, `the writer thread exited (code ${input.code})`);

    case 'detach':
      switch (s.state) {
        case 'attached':
          return also(
            [
              { type: 'clear-timer', timer: 'flush' },
              { type: 'set-timer', timer: 'deadline', ms: ctx.config.closeTimeoutMs },
            ],
            flush({ ...s, state: 'draining' }, ctx),
          );
        case 'closed':
        case 'failed':
          return { state: s, effects: [{ type: 'detached' }] };
        case 'draining':
        case 'closing':
          return same;
      }
      return unreachable(s);
  }
}

type RunningState = Extract<StoreState, Running>;

/** Hands the queue on: to the spool while no writer runs (and there is one), else to the writer. */
function flush(s: RunningState, ctx: StoreContext): Transition {
  const w = s.writer;
  const same: Transition = { state: s, effects: [] };
  switch (w.state) {
    case 'moving':
    case 'writing':
    case 'retiring':
      return same; // it flushes again once the writer is free
    case 'none':
      if (ctx.config.spoolBytes > 0 && !ctx.following) {
        // Attached, the spool is asked even with nothing queued: it also tells whether output is quiet.
        if (s.state === 'draining' && ctx.queueEmpty) return drained(s);
        return { state: s, effects: [{ type: 'spool' }] };
      }
      if (ctx.queueEmpty) return s.state === 'draining' ? drained(s) : same;
      return startWriter(s, 'writing', ctx);
    case 'ready':
      if (!ctx.queueEmpty) return { state: { ...s, writer: { state: 'writing', worker: w.worker, lastBatchAt: ctx.now } }, effects: [{ type: 'write', worker: w.worker }] };
      if (s.state === 'draining') return drained(s);
      if (ctx.now - w.lastBatchAt >= ctx.config.idleMs) {
        return { state: { ...s, writer: { state: 'retiring', worker: w.worker } }, effects: [{ type: 'close-worker', worker: w.worker }] };
      }
      return same;
  }
}

/**
 * Starts writer thread number workers + 1: to move the spool in, or with the queue as its first
 * batch (it moves whatever the spool holds first). Either way it owns the spool from now on.
 */
function startWriter(s: RunningState, as: 'moving' | 'writing', ctx: StoreContext): Transition {
  const worker = s.workers + 1;
  const writer: Writer = as === 'moving' ? { state: 'moving', worker } : { state: 'writing', worker, lastBatchAt: ctx.now };
  const effects: Effect[] = [
    { type: 'close-spool' },
    { type: 'start-worker', worker },
    { type: 'writer', event: 'started' },
  ];
  if (as === 'writing') effects.push({ type: 'write', worker });
  return { state: { ...s, workers: worker, writer, spool: { ...s.spool, bytes: 0 } }, effects };
}

function fromWorker(s: StoreState, m: FromWorker, ctx: StoreContext): Transition {
  const same: Transition = { state: s, effects: [] };
  switch (m.type) {
    case 'opened':
      return same;
    case 'notice':
      return { state: s, effects: [{ type: 'say', level: 'warn', text: m.text }] };
    case 'failed':
      return fail(s, m.message);
    case 'moved': {
      const report: Effect[] = m.lines > 0 ? [{ type: 'committed', lastId: m.lastId, lines: m.lines }] : [];
      // Started with a batch: busy until that one is committed.
      if ((s.state !== 'attached' && s.state !== 'draining') || s.writer.state !== 'moving') return { state: s, effects: report };
      return also(report, writerFree({ ...s, writer: { state: 'ready', worker: s.writer.worker, lastBatchAt: ctx.now } }, ctx));
    }
    case 'committed': {
      const report: Effect = { type: 'committed', lastId: m.lastId, lines: m.lines, ...(m.stored ? { stored: m.stored } : {}) };
      if ((s.state !== 'attached' && s.state !== 'draining') || s.writer.state !== 'writing') return { state: s, effects: [report] };
      const { worker, lastBatchAt } = s.writer;
      return also([report], writerFree({ ...s, writer: { state: 'ready', worker, lastBatchAt } }, ctx));
    }
    case 'closed':
      if (s.state === 'closing') return closed();
      if ((s.state === 'attached' || s.state === 'draining') && s.writer.state === 'retiring') {
        // The idle writer is done: lines queued meanwhile go to the spool or a new one.
        return also([{ type: 'writer', event: 'retired' }], writerFree({ ...s, writer: NO_WRITER }, ctx));
      }
      return same;
  }
}

/** The writer has just become free (or gone): draining goes on; a full queue is handed on now. */
function writerFree(s: RunningState, ctx: StoreContext): Transition {
  return s.state === 'draining' || ctx.queuedBytes >= EARLY_FLUSH_BYTES ? flush(s, ctx) : { state: s, effects: [] };
}

/** Everything queued is handed over and nothing is in the writer: close it, or be done. */
function drained(s: RunningState): Transition {
  // Subscribed until now: the notices said while draining (lines dropped) are stored too.
  const unsubscribe: Effect = { type: 'unsubscribe' };
  if (s.writer.state === 'ready') {
    return { state: { state: 'closing', worker: s.writer.worker }, effects: [unsubscribe, { type: 'close-worker', worker: s.writer.worker }] };
  }
  return also([unsubscribe], closed());
}

/**
 * Done. A spool is left as it is: the next writer or `dozen logs` moves it in. Moving it now would
 * load SQLite for it (about 45 ms of CPU) on every stop.
 */
function closed(): Transition {
  return {
    state: { state: 'closed' },
    effects: [{ type: 'close-spool' }, { type: 'clear-timer', timer: 'deadline' }, { type: 'detached' }],
  };
}

function fail(s: StoreState, reason: string): Transition {
  if (s.state === 'closed' || s.state === 'failed') return { state: s, effects: [] };
  const worker = currentWorker(s);
  const effects: Effect[] = [{ type: 'clear-timer', timer: 'flush' }];
  if (s.state !== 'closing') effects.push({ type: 'unsubscribe' }); // closing: already
  effects.push({ type: 'close-spool' }, { type: 'say', level: 'error', text: `log store stopped, lines are no longer stored: ${reason}` });
  if (worker !== undefined) effects.push({ type: 'terminate-worker', worker });
  if (s.state !== 'attached') effects.push({ type: 'clear-timer', timer: 'deadline' }, { type: 'detached' });
  return { state: { state: 'failed', reason }, effects };
}

/** The number of the writer thread whose messages count now, if one runs. */
function currentWorker(s: StoreState): number | undefined {
  switch (s.state) {
    case 'attached':
    case 'draining':
      return s.writer.state === 'none' ? undefined : s.writer.worker;
    case 'closing':
      return s.worker;
    case 'closed':
    case 'failed':
      return undefined;
  }
}

function also(before: Effect[], t: Transition): Transition {
  return { state: t.state, effects: [...before, ...t.effects] };
}
