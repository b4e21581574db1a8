// The store's worker thread: owns the write connection, so SQLite never stalls the main event loop
// (which reads the children's pipes). It runs at a lower CPU priority than dozen's main thread and
// the children: during an output flood on a busy machine, the terminal wins and the store catches
// up right after. Between batches it indexes new rows for full-text search and prunes old ones,
// each in small slices so that a new batch never waits long.
import { readlinkSync, unlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openStoreForWriting } from './store-db.js';
import type { Retention } from './retention.js';
import type { Batch } from './batch.js';
import { StoreWriter } from './store-writer.js';
import { isNoRoom, StoreStall } from './store-stall.js';
import type { StoredLine } from './stored-line.js';

export interface StoreWorkerData {
  dbPath: string;
  /** The spool (spool.ts): moved into the store first, then removed; dozen's main thread no longer appends to it. */
  spoolPath: string;
  retention: Retention;
  /** nice value for this thread (Linux); 0 keeps the process's priority. */
  nice: number;
  /** How long a clean close may keep indexing before it gives up (the next start finishes). */
  closeIndexBudgetMs: number;
}

/** `keepLines`: send the committed lines back (someone follows them); else only their count. */
export type ToWorker = { type: 'batch'; batch: Batch; keepLines: boolean } | { type: 'close' };
export type FromWorker =
  | { type: 'opened' }
  | { type: 'notice'; text: string }
  | { type: 'committed'; lastId: number; lines: number; stored?: StoredLine[] }
  /** The spool was moved in (first, before any batch). */
  | { type: 'moved'; lastId: number; lines: number }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

const PRUNE_EVERY_MS = 2000;
/**
 * During a flood (batches this big arriving), background work waits until batches have stopped for
 * FLOOD_QUIET_MS: the flood's CPU goes to the children and the terminal, the index catches up after.
 */
const FLOOD_BATCH_LINES = 2000;
const FLOOD_QUIET_MS = 1000;

const port = parentPort;
if (port) run(port, workerData as StoreWorkerData);

function run(port: NonNullable<typeof parentPort>, data: StoreWorkerData): void {
  lowerPriority(data.nice);
  const send = (m: FromWorker) => port.postMessage(m);
  let writer: StoreWriter;
  let db: ReturnType<typeof openStoreForWriting>;
  try {
    db = openStoreForWriting(data.dbPath, (text) => send({ type: 'notice', text }));
    writer = new StoreWriter(db, data.retention);
  } catch (err) {
    send({ type: 'failed', message: `cannot open ${data.dbPath}: ${(err as Error).message}` });
    return;
  }
  send({ type: 'opened' });
  let lastPrune = 0;
  let lastBatchAt = 0;
  let lastBatchLines = 0;
  // A full disk (SQLITE_FULL): a batch's transaction rolls back; its lines are counted and the
  // next batches are tried after a backoff, until one commits (store-stall.ts).
  const stall = new StoreStall();
  const notice = (text: string | undefined) => text !== undefined && send({ type: 'notice', text });
  const noRoom = () => `cannot write ${data.dbPath}: no space left on the device`;
  // The lines spooled while no writer ran come first: they keep the line numbers `dozen logs`
  // gave them. Once wholly moved, the file goes; the next spool is a new generation. On a full
  // disk, moving them waits for room too, and is done before the next batch that commits.
  let spoolPending = true;
  const moveSpool = () => {
    const moved = writer.ingestSpool(data.spoolPath);
    if (moved.complete) unlinkSync(data.spoolPath);
    spoolPending = false;
    return moved;
  };
  try {
    const moved = moveSpool();
    lastBatchAt = Date.now();
    lastBatchLines = moved.lines;
    send({ type: 'moved', lastId: moved.lastId, lines: moved.lines });
  } catch (err) {
    if (!isNoRoom(err)) {
      send({ type: 'failed', message: `cannot move ${data.spoolPath} into the store: ${(err as Error).message}` });
      return;
    }
    notice(stall.failed(Date.now(), noRoom()));
    send({ type: 'moved', lastId: writer.nextLine() - 1, lines: 0 });
  }

  let maintenance: NodeJS.Immediate | undefined;
  let floodWait: NodeJS.Timeout | undefined;
  // One slice of background work per turn of the loop, so batches are taken in between.
  const maintain = () => {
    maintenance = undefined;
    const quietFor = Date.now() - lastBatchAt;
    if (lastBatchLines >= FLOOD_BATCH_LINES && quietFor < FLOOD_QUIET_MS) {
      if (!floodWait) floodWait = setTimeout(() => ((floodWait = undefined), schedule()), FLOOD_QUIET_MS - quietFor);
      return;
    }
    try {
      let worked = writer.indexSlice() > 0;
      if (!worked && Date.now() - lastPrune >= PRUNE_EVERY_MS) {
        worked = writer.pruneSlice() > 0;
        if (!worked) lastPrune = Date.now();
      }
      if (worked) maintenance = setImmediate(maintain);
    } catch (err) {
      if (isNoRoom(err)) return; // indexing and pruning wait for the next batch, and for room
      send({ type: 'failed', message: (err as Error).message });
    }
  };
  const schedule = () => {
    if (!maintenance) maintenance = setImmediate(maintain);
  };
  // Pruning is also due now and then when no lines arrive (age-based retention).
  const pruneTimer = setInterval(schedule, PRUNE_EVERY_MS * 15);
  schedule();

  port.on('message', (msg: ToWorker) => {
    try {
      if (msg.type === 'batch') {
        if (!stall.shouldTry(Date.now())) {
          stall.skip(msg.batch);
          send({ type: 'committed', lastId: writer.nextLine() - 1, lines: 0 });
          return;
        }
        let committed: ReturnType<StoreWriter['write']>;
        try {
          if (spoolPending) moveSpool();
          committed = writer.write(msg.batch, msg.keepLines);
        } catch (err) {
          if (!isNoRoom(err)) throw err;
          stall.skip(msg.batch);
          notice(stall.failed(Date.now(), noRoom()));
          send({ type: 'committed', lastId: writer.nextLine() - 1, lines: 0 });
          return;
        }
        notice(stall.succeeded());
        lastBatchAt = Date.now();
        lastBatchLines = committed.lines;
        send({ type: 'committed', ...committed });
        schedule();
        return;
      }
      // close: give the index a bounded moment to catch up, then close the file (checkpoint).
      if (maintenance) clearImmediate(maintenance);
      if (floodWait) clearTimeout(floodWait);
      clearInterval(pruneTimer);
      const deadline = Date.now() + data.closeIndexBudgetMs;
      while (Date.now() < deadline && writer.indexSlice() > 0);
      db.close();
      send({ type: 'closed' });
      port.close();
    } catch (err) {
      send({ type: 'failed', message: (err as Error).message });
    }
  });
}

/** setpriority(2) on Linux applies to one thread when given its thread id. */
function lowerPriority(nice: number): void {
  if (nice === 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // Not Linux (no /proc/thread-self) or not permitted: run at normal priority.
  }
}
