// Subscribes the log store to a running supervisor: every output line and every dozen message is
// stored, off the terminal path. The listener only copies bytes into a queue; a timer hands the
// queue to the store worker every FLUSH_MS (or sooner when it fills up); the worker commits each
// batch in one transaction. A SIGKILL of dozen loses at most the lines not yet committed.
// The store's own notices (lines dropped, a damaged store set aside) are said through the
// supervisor (`say`): printed, drained, and stored once, by this same subscription.
import { Worker } from 'node:worker_threads';
import type { SupervisorEvent } from '../../supervisor/events.js';
import type { SupervisorHandle } from '../../supervisor/handle.js';
import { ChunkQueue } from './chunk-queue.js';
import { DEFAULT_RETENTION, type Retention } from './retention.js';
import { storePath } from './store-path.js';
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
}

/** Stops storing: flushes what is queued, waits (bounded) for the worker to commit and close. */
export type LogStoreDisposer = () => Promise<void>;

const FLUSH_MS = 250;
/** Hand over early when this much is queued and the worker is idle. */
const EARLY_FLUSH_BYTES = 4 << 20;
const CLOSE_TIMEOUT_MS = 10_000;

export function attachLogStore(handle: SupervisorHandle, opts: LogStoreOptions): LogStoreDisposer {
  const queue = new ChunkQueue(opts.maxQueueBytes);
  const workerData: StoreWorkerData = {
    dbPath: storePath(opts.stateDir),
    retention: opts.retention ?? DEFAULT_RETENTION,
    nice: opts.nice ?? 10,
    // Exit fast: an unindexed backlog is indexed by the next start or by `dozen logs --search`.
    closeIndexBudgetMs: 0,
  };
  const worker = new Worker(new URL('./store-worker.js', import.meta.url), { workerData });
  worker.unref(); // never what keeps dozen alive; dispose() waits for it explicitly

  let busy = false; // a batch is in the worker and not yet committed
  let failed = false;
  let closing: ((ok: boolean) => void) | undefined;
  let waitingForIdle: (() => void) | undefined;

  // Stored through our own subscription, like every message.
  const warn = (text: string) => handle.say('warn', text);

  const flush = () => {
    if (busy || failed) return;
    const batch = queue.take();
    // Said after taking the batch, so the notice has room in the emptied queue (next batch).
    const dropped = queue.takeDropped();
    if (dropped > 0) warn(`log store: ${dropped} lines were not stored (the disk could not keep up)`);
    if (!batch) return;
    busy = true;
    const msg: ToWorker = { type: 'batch', batch };
    worker.postMessage(msg, [batch.bytes.buffer as ArrayBuffer]);
  };

  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    unsubscribe();
    handle.say('error', `log store stopped, lines are no longer stored: ${message}`);
    closing?.(false);
    waitingForIdle?.();
  };

  worker.on('message', (m: FromWorker) => {
    switch (m.type) {
      case 'opened':
        return;
      case 'notice':
        warn(m.text);
        return;
      case 'committed':
        busy = false;
        opts.onCommit?.({ lastId: m.lastId, lines: m.lines });
        if (waitingForIdle) waitingForIdle();
        else if (queue.bytes >= EARLY_FLUSH_BYTES) flush();
        return;
      case 'closed':
        closing?.(true);
        return;
      case 'failed':
        fail(m.message);
        return;
    }
  });
  worker.on('error', (err) => fail(err.message));
  worker.on('exit', (code) => {
    if (!closing) fail(`the writer thread exited (code ${code})`);
    closing?.(false);
  });

  let disposing = false; // app lines that arrive while disposing are not stored
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
    while (!failed && (busy || !queue.isEmpty)) {
      if (!busy) flush();
      await new Promise<void>((resolve) => (waitingForIdle = resolve));
      waitingForIdle = undefined;
    }
    // Subscribed until now: the notices said while draining (lines dropped) are stored too.
    unsubscribe();
    if (!failed) {
      const closed = new Promise<boolean>((resolve) => (closing = resolve));
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await closed;
    }
    clearTimeout(deadline);
    if (failed) await worker.terminate();
  };
  return dispose;
}
