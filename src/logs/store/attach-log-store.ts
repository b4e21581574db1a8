// Subscribes the log store to a running supervisor: every output line and every dozen message is
// stored, off the terminal path. The listener only copies bytes into a queue; a timer hands the
// queue on every FLUSH_MS (or sooner when it fills up): to the spool (one append on this thread)
// while no writer thread runs, else to the writer, which commits each batch in one transaction.
// A writer thread starts only to move a spool that has grown into the database, once output is
// quiet. A SIGKILL of dozen loses at most the lines not yet appended or committed.
// The store's own notices (lines dropped, a damaged store set aside) are said through the
// supervisor (`say`): printed, drained, and stored once, by this same subscription.
// Another layer can follow the lines as they are committed (`onStored`) instead of polling the
// store; nothing of it is done while nobody follows.
//
// What to do when is store-machine.ts's (a pure transition function); this is its driver: it owns
// the queue, the spool file, the writer thread and the timers, and performs the machine's effects.
import { Worker } from 'node:worker_threads';
import { realClock, type Clock } from '../../platform/clock.js';
import type { SupervisorEvent } from '../../supervisor/events.js';
import type { SupervisorHandle } from '../../supervisor/handle.js';
import { unreachable } from '../../errors.js';
import { ChunkQueue } from './chunk-queue.js';
import { DEFAULT_RETENTION, type Retention } from './retention.js';
import { storePath } from './store-path.js';
import { spoolPath, SpoolWriter } from './spool.js';
import { attached, EARLY_FLUSH_BYTES, transition, writerBusy, type Effect, type Input, type StoreMachineConfig, type TimerName } from './store-machine.js';
import type { StoredLine } from './stored-line.js';
import type { FromWorker, StoreWorkerData, ToWorker } from './store-worker.js';

export interface LogStoreOptions {
  /** The app's state folder (ensureStateDir); the store is `logs.db` inside it. */
  stateDir: string;
  retention?: Retention;
  /** Called after each committed batch (tests, benchmarks). */
  onCommit?: (info: { lastId: number; lines: number }) => void;
  /** Hand the queue to the worker this often (default 250 ms). */
  flushMs?: number;
  /** Queue bound in bytes (default 64 MiB); past it lines are dropped and counted. */
  maxQueueBytes?: number;
  /** nice value of the writer thread (default 10). */
  nice?: number;
  /** Close the writer thread after this long without a batch (default 30 s); the next batch starts a new one. */
  idleMs?: number;
  /**
   * While no writer thread runs, batches go to the spool (one append on this thread); a writer
   * starts when the spool holds this much and output is quiet (default 256 KiB), or when it
   * holds maxQueueBytes. 0: no spool, a writer starts with the first batch.
   */
  spoolBytes?: number;
  /** Called when a writer thread starts and when an idle one has closed (tests). */
  onWriter?: (event: 'started' | 'retired') => void;
  /** The flush timer and the detach deadline (tests: a manual clock). */
  clock?: Clock;
  /** Starts a writer thread (tests: a fake one). */
  startWriter?: (data: StoreWorkerData) => WriterThread;
}

/** The writer thread as the driver uses it: a worker_threads Worker running store-worker.ts. */
export interface WriterThread {
  postMessage(message: ToWorker, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: FromWorker) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

/** The store attached to a supervisor. */
export interface AttachedLogStore {
  /**
   * Calls `listener` with the lines of each batch committed from now on, numbered and as stored,
   * in order. Lines moved in from the spool are not among them: they could be read before. While
   * anyone listens, batches go to the writer thread (which numbers them), not to the spool. A
   * listener that throws gets no more lines, and the error is said. Returns the unsubscribe.
   */
  onStored(listener: StoredListener): () => void;
  /** Stops storing: flushes what is queued, waits (bounded) for the worker to commit and close. */
  detach(): Promise<void>;
}

export type StoredListener = (lines: StoredLine[]) => void;

const FLUSH_MS = 250;
const CLOSE_TIMEOUT_MS = 10_000;
/**
 * A writer thread is a second V8 isolate with SQLite: ~13 MB of dozen's memory and ~0.1 s of CPU
 * to start. Once started (to move a grown spool in) it takes the batches itself, and is closed
 * after this long without one, so an app that has gone quiet does not pay for it; the spool takes
 * the lines again. It retires only once it has had time to index and prune what it wrote.
 */
const IDLE_MS = 30_000;
/** See store-machine.ts: when a spool is moved in. */
const SPOOL_BYTES = 256 << 10;
const MAX_QUEUE_BYTES = 64 << 20;

export function attachLogStore(handle: SupervisorHandle, opts: LogStoreOptions): AttachedLogStore {
  const clock = opts.clock ?? realClock;
  const config: StoreMachineConfig = {
    flushMs: opts.flushMs ?? FLUSH_MS,
    spoolBytes: opts.spoolBytes ?? SPOOL_BYTES,
    maxQueueBytes: opts.maxQueueBytes ?? MAX_QUEUE_BYTES,
    idleMs: opts.idleMs ?? IDLE_MS,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
  };
  const queue = new ChunkQueue(config.maxQueueBytes);
  const spool = new SpoolWriter(spoolPath(opts.stateDir));
  const workerData: StoreWorkerData = {
    dbPath: storePath(opts.stateDir),
    spoolPath: spool.path,
    retention: opts.retention ?? DEFAULT_RETENTION,
    nice: opts.nice ?? 10,
    // Exit fast: an unindexed backlog is indexed by the next start or by `dozen logs --search`.
    closeIndexBudgetMs: 0,
  };
  const startWriter = opts.startWriter ?? startWorkerThread;
  const workers = new Map<number, WriterThread>();
  const listeners = new Set<StoredListener>();
  const timers = new Map<TimerName, unknown>();
  let terminated: Promise<number> | undefined;
  let detachedNow: (() => void) | undefined;
  let detaching: Promise<void> | undefined;

  // Stored through our own subscription, like every message.
  const warn = (text: string) => handle.say('warn', text);

  // One input at a time: an effect may cause another input (an append reports `spooled`); it is
  // taken once the effects of the current one are done.
  const start = attached(config);
  let state = start.state;
  const inbox: Input[] = [];
  let dispatching = false;
  const dispatch = (input: Input): void => {
    inbox.push(input);
    if (dispatching) return;
    dispatching = true;
    try {
      for (let next = inbox.shift(); next !== undefined; next = inbox.shift()) {
        const t = transition(state, next, { now: clock.now(), config, queuedBytes: queue.bytes, queueEmpty: queue.isEmpty, following: listeners.size > 0 });
        state = t.state;
        for (const effect of t.effects) perform(effect);
      }
    } finally {
      dispatching = false;
    }
  };

  /** Hands out the queue; the lines it dropped are said after, so the notice has room (next batch). */
  const take = (transfer: boolean) => {
    const batch = queue.take(transfer);
    const dropped = queue.takeDropped();
    if (dropped > 0) warn(`log store: ${dropped} lines were not stored (the disk could not keep up)`);
    return batch;
  };

  const perform = (e: Effect): void => {
    switch (e.type) {
      case 'set-timer': {
        clearTimer(e.timer);
        const timer = clock.setTimeout(() => {
          timers.delete(e.timer);
          dispatch({ type: 'timer', timer: e.timer });
        }, e.ms);
        // The flush timer never keeps dozen alive; the deadline does, while detaching waits on it.
        if (e.timer === 'flush') (timer as { unref?: () => void } | undefined)?.unref?.();
        timers.set(e.timer, timer);
        return;
      }
      case 'clear-timer':
        return clearTimer(e.timer);
      case 'spool': {
        const batch = take(false); // the spool writes it at once: the arena is kept
        try {
          if (batch) spool.append(batch);
        } catch (err) {
          return dispatch({ type: 'spool-failed', message: `cannot write ${spool.path}: ${(err as Error).message}` });
        }
        return dispatch({ type: 'spooled', batchBytes: batch?.bytes.length ?? 0, spoolBytes: spool.bytes });
      }
      case 'close-spool':
        return spool.close();
      case 'start-worker':
        return startWorker(e.worker);
      case 'write': {
        // The machine writes only when the queue holds chunks, so there is a batch.
        const batch = take(true);
        // The lines come back only for a listener: no decoding, no copy otherwise.
        const keepLines = listeners.size > 0;
        if (batch) workers.get(e.worker)?.postMessage({ type: 'batch', batch, keepLines }, [batch.bytes.buffer as ArrayBuffer]);
        return;
      }
      case 'close-worker':
        return workers.get(e.worker)?.postMessage({ type: 'close' });
      case 'terminate-worker':
        terminated = workers.get(e.worker)?.terminate();
        return;
      case 'say':
        return handle.say(e.level, e.text);
      case 'committed':
        opts.onCommit?.({ lastId: e.lastId, lines: e.lines });
        if (e.stored && e.stored.length > 0) tellListeners(e.stored);
        return;
      case 'writer':
        return opts.onWriter?.(e.event);
      case 'unsubscribe':
        return unsubscribe();
      case 'detached':
        return detachedNow?.();
    }
    unreachable(e);
  };

  const tellListeners = (lines: StoredLine[]) => {
    for (const listener of listeners) {
      try {
        listener(lines);
      } catch (err) {
        listeners.delete(listener);
        handle.say('error', `a stored-lines listener failed and gets no more lines: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const clearTimer = (timer: TimerName) => {
    const handle = timers.get(timer);
    if (handle === undefined) return;
    clock.clearTimeout(handle);
    timers.delete(timer);
  };

  const startWorker = (worker: number) => {
    const w = startWriter(workerData);
    workers.set(worker, w);
    w.on('message', (message: FromWorker) => dispatch({ type: 'worker-message', worker, message }));
    w.on('error', (err: Error) => dispatch({ type: 'worker-error', worker, message: err.message }));
    w.on('exit', (code: number) => {
      workers.delete(worker);
      dispatch({ type: 'worker-exit', worker, code });
    });
  };

  const onEvent = (e: SupervisorEvent) => {
    if (e.type === 'output') {
      if (state.state !== 'attached') return; // app lines that arrive while detaching are not stored
      queue.push(Math.round(e.at * 1000), e.instance, e.origin ?? 'app', e.stream, e.data);
      if (queue.bytes >= EARLY_FLUSH_BYTES && !writerBusy(state)) dispatch({ type: 'queue-full' });
    } else if (e.type === 'message') {
      queue.pushText(Math.round(e.at * 1000), e.instance ?? 'dozen', 'dozen', e.level, e.text);
    }
  };
  const unsubscribe = handle.subscribe(onEvent);
  for (const effect of start.effects) perform(effect);

  return {
    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    detach: () =>
      (detaching ??= (async () => {
        const done = new Promise<void>((resolve) => (detachedNow = resolve));
        dispatch({ type: 'detach' });
        await done;
        await terminated;
      })()),
  };
}

function startWorkerThread(data: StoreWorkerData): WriterThread {
  const w = new Worker(new URL('./store-worker.js', import.meta.url), { workerData: data });
  w.unref(); // never what keeps dozen alive; detaching waits for it explicitly
  return w;
}
