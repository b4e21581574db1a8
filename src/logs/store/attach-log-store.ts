// Subscribes the log store to a running supervisor: every output line and every dozen message is
// stored, off the terminal path. The listener only copies bytes into a queue; a timer hands the
// queue on every FLUSH_MS (or sooner when it fills up): to the spool (one append on this thread)
// while no writer thread runs, else to the writer, which commits each batch in one transaction.
// A writer thread starts only to move a spool that has grown into the database, once output is
// quiet. A SIGKILL of dozen loses at most the lines not yet appended or committed.
// The store's own notices (lines dropped, a damaged store set aside) are said through the
// supervisor (`say`): printed, drained, and stored once, by this same subscription.
import { Worker } from 'node:worker_threads';
import type { SupervisorEvent } from '../../supervisor/events.js';
import type { SupervisorHandle } from '../../supervisor/handle.js';
import { ChunkQueue } from './chunk-queue.js';
import { DEFAULT_RETENTION, type Retention } from './retention.js';
import { storePath } from './store-path.js';
import { spoolPath, SpoolWriter } from './spool.js';
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
}

/** Stops storing: flushes what is queued, waits (bounded) for the worker to commit and close. */
export type LogStoreDisposer = () => Promise<void>;

const FLUSH_MS = 250;
/** Hand over early when this much is queued and the worker is idle. */
const EARLY_FLUSH_BYTES = 4 << 20;
const CLOSE_TIMEOUT_MS = 10_000;
/**
 * A writer thread is a second V8 isolate with SQLite: ~13 MB of dozen's memory and ~0.1 s of CPU
 * to start. Once started (to move a grown spool in) it takes the batches itself, and is closed
 * after this long without one, so an app that has gone quiet does not pay for it; the spool takes
 * the lines again. It retires only once it has had time to index and prune what it wrote.
 */
const IDLE_MS = 30_000;
/**
 * The spool takes the lines while no writer runs; a writer is started to move them into the
 * database once the spool holds SPOOL_BYTES and no flush has brought QUIET_BYTES for QUIET_MS (the
 * output has calmed down: a flood is stored at the cost of one write(2) per flush, and SQLite does
 * its work after it), or at once when it holds the queue bound (a flood that does not end).
 */
const SPOOL_BYTES = 256 << 10;
const QUIET_BYTES = 16 << 10;
const QUIET_MS = 1000;
const MAX_QUEUE_BYTES = 64 << 20;

export function attachLogStore(handle: SupervisorHandle, opts: LogStoreOptions): LogStoreDisposer {
  const maxQueueBytes = opts.maxQueueBytes ?? MAX_QUEUE_BYTES;
  const queue = new ChunkQueue(maxQueueBytes);
  const spoolBytes = opts.spoolBytes ?? SPOOL_BYTES;
  const spool = new SpoolWriter(spoolPath(opts.stateDir));
  const workerData: StoreWorkerData = {
    dbPath: storePath(opts.stateDir),
    spoolPath: spool.path,
    retention: opts.retention ?? DEFAULT_RETENTION,
    nice: opts.nice ?? 10,
    // Exit fast: an unindexed backlog is indexed by the next start or by `dozen logs --search`.
    closeIndexBudgetMs: 0,
  };
  const idleMs = opts.idleMs ?? IDLE_MS;

  let worker: Worker | undefined; // none until the first batch, and none while idle
  let retiring = false; // an idle worker was asked to close and has not yet
  let lastBatchAt = 0;
  let busy = false; // a batch is in the worker and not yet committed
  let busySince = 0; // when a flush last brought QUIET_BYTES or more
  let moving = false; // a worker was started to move the spool in and has not yet
  let failed = false;
  let closing: ((ok: boolean) => void) | undefined;
  let waitingForIdle: (() => void) | undefined;
  let disposing = false; // app lines that arrive while disposing are not stored

  // Stored through our own subscription, like every message.
  const warn = (text: string) => handle.say('warn', text);

  const flush = () => {
    if (busy || failed || retiring) return;
    const toSpool = !worker && spoolBytes > 0;
    const batch = queue.take(!toSpool); // the spool writes it at once: the arena is kept
    // Said after taking the batch, so the notice has room in the emptied queue (next batch).
    const dropped = queue.takeDropped();
    if (dropped > 0) warn(`log store: ${dropped} lines were not stored (the disk could not keep up)`);
    if (toSpool) {
      if (batch) {
        try {
          spool.append(batch);
        } catch (err) {
          fail(`cannot write ${spool.path}: ${(err as Error).message}`);
          return;
        }
      }
      // A writer only to move a spool that has grown, once output is quiet (not at exit: the
      // next writer or `dozen logs` moves it).
      if (batch && batch.bytes.length >= QUIET_BYTES) busySince = Date.now();
      const quiet = Date.now() - busySince >= QUIET_MS;
      const size = spool.bytes;
      if (!disposing && ((quiet && size >= spoolBytes) || size >= maxQueueBytes)) {
        spool.close(); // the writer owns it now, and removes it once moved
        busy = true; // until it has moved the spool in
        moving = true;
        lastBatchAt = Date.now();
        worker = startWorker();
      }
      return;
    }
    if (!batch) {
      if (worker && !retiring && !disposing && Date.now() - lastBatchAt >= idleMs) retire(worker);
      return;
    }
    busy = true;
    lastBatchAt = Date.now();
    const msg: ToWorker = { type: 'batch', batch };
    (worker ??= startWorker()).postMessage(msg, [batch.bytes.buffer as ArrayBuffer]);
  };

  const retire = (w: Worker) => {
    retiring = true;
    w.postMessage({ type: 'close' } satisfies ToWorker);
  };

  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    unsubscribe();
    spool.close();
    handle.say('error', `log store stopped, lines are no longer stored: ${message}`);
    closing?.(false);
    waitingForIdle?.();
  };

  const startWorker = (): Worker => {
    const w = new Worker(new URL('./store-worker.js', import.meta.url), { workerData });
    w.unref(); // never what keeps dozen alive; dispose() waits for it explicitly
    let closed = false;
    w.on('message', (m: FromWorker) => {
      if (m.type === 'closed') closed = true;
      onMessage(m);
    });
    w.on('error', (err) => fail(err.message));
    w.on('exit', (code) => {
      if (closed) return; // after its 'closed': a retired writer, or the last one
      if (!closing) fail(`the writer thread exited (code ${code})`);
      closing?.(false);
    });
    opts.onWriter?.('started');
    return w;
  };

  const onMessage = (m: FromWorker) => {
    switch (m.type) {
      case 'opened':
        return;
      case 'notice':
        warn(m.text);
        return;
      case 'moved':
        if (m.lines > 0) opts.onCommit?.({ lastId: m.lastId, lines: m.lines });
        if (!moving) return; // started with a batch: busy until that one is committed
        moving = false;
        busy = false;
        if (waitingForIdle) waitingForIdle();
        else if (queue.bytes >= EARLY_FLUSH_BYTES) flush();
        return;
      case 'committed':
        busy = false;
        opts.onCommit?.({ lastId: m.lastId, lines: m.lines });
        if (waitingForIdle) waitingForIdle();
        else if (queue.bytes >= EARLY_FLUSH_BYTES) flush();
        return;
      case 'closed':
        if (retiring) {
          // The idle writer is done: lines queued meanwhile go to a new one.
          retiring = false;
          worker = undefined;
          opts.onWriter?.('retired');
          if (waitingForIdle) waitingForIdle();
          else if (queue.bytes >= EARLY_FLUSH_BYTES) flush();
          return;
        }
        closing?.(true);
        return;
      case 'failed':
        fail(m.message);
        return;
    }
  };

  const onEvent = (e: SupervisorEvent) => {
    if (e.type === 'output') {
      if (disposing) return;
      queue.push(Math.round(e.at * 1000), e.instance, 'app', e.stream, e.data);
      if (!busy && queue.bytes >= EARLY_FLUSH_BYTES) flush();
    } else if (e.type === 'message') {
      queue.pushText(Math.round(e.at * 1000), e.instance ?? 'dozen', 'dozen', e.level, e.text);
    }
  };
  const unsubscribe = handle.subscribe(onEvent);
  const timer = setInterval(flush, opts.flushMs ?? FLUSH_MS);
  timer.unref();

  const dispose = async () => {
    disposing = true;
    clearInterval(timer);
    const deadline = setTimeout(() => fail(`the writer did not finish within ${CLOSE_TIMEOUT_MS / 1000} s`), CLOSE_TIMEOUT_MS);
    // Drain: wait for the batch in flight, hand over the rest, wait for it too, then close.
    for (;;) {
      if (!failed && !busy && !retiring) flush();
      if (failed || (!busy && !retiring && queue.isEmpty)) break;
      await new Promise<void>((resolve) => (waitingForIdle = resolve));
      waitingForIdle = undefined;
    }
    // Subscribed until now: the notices said while draining (lines dropped) are stored too.
    unsubscribe();
    if (!failed && worker) {
      const closed = new Promise<boolean>((resolve) => (closing = resolve));
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await closed;
    }
    clearTimeout(deadline);
    // A spool is left as it is: the next writer or `dozen logs` moves it in. Moving it now would
    // load SQLite for it (about 45 ms of CPU) on every stop.
    spool.close();
    if (failed) await worker?.terminate();
  };
  return dispose;
}

