// Lines stored by a command that runs no supervisor (`dozen build`), beside a `dozen start` of
// the same app that may be storing at the same moment. It writes to SQLite itself, in IMMEDIATE
// transactions, as the running dozen's writer thread does: SQLite's lock orders the two. It never
// appends to the spool, which belongs to the running dozen's main thread (its writer thread
// deletes the file once moved in, so lines another process appended could be lost). The spool's
// lines not yet in the store are moved in first, in the same transaction, so they keep the
// numbers `dozen logs` gave them and the new lines come after them.
//
// Batches are written every `flushMs` and on close, on the caller's thread: a build's output is
// small, and a write of a batch takes well under a millisecond.
import { ChunkQueue } from './chunk-queue.js';
import { DEFAULT_RETENTION } from './retention.js';
import { spoolPath } from './spool.js';
import { openStoreForWriting, storePath, type Db } from './store-db.js';
import { StoreWriter } from './store-writer.js';
import type { LogSource } from './stored-line.js';

const FLUSH_MS = 250;

export interface StoreAppenderOptions {
  flushMs?: number;
  /** Told once when the store cannot be written; the lines are then dropped, the caller goes on. */
  onError?: (message: string) => void;
}

export class StoreAppender {
  private readonly queue = new ChunkQueue();
  private readonly timer: NodeJS.Timeout;
  private db: Db | undefined;
  private writer: StoreWriter | undefined;
  private failed = false;
  private closed = false;

  constructor(
    private readonly stateDir: string,
    private readonly opts: StoreAppenderOptions = {},
  ) {
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? FLUSH_MS);
    this.timer.unref();
  }

  /** Queues complete lines (each ending in `\n`) of `instance`. */
  append(tsUs: number, instance: string, source: LogSource, stream: string, data: Uint8Array): void {
    if (!this.closed && !this.failed) this.queue.push(tsUs, instance, source, stream, data);
  }

  /** Queues text (one or more lines; the last newline is added). */
  appendText(tsUs: number, instance: string, source: LogSource, stream: string, text: string): void {
    if (!this.closed && !this.failed) this.queue.pushText(tsUs, instance, source, stream, text);
  }

  /** Writes what is queued, in one transaction. */
  flush(): void {
    if (this.failed || this.queue.isEmpty) return;
    const batch = this.queue.take(false);
    if (!batch) return;
    try {
      const { db, writer } = this.open();
      db.transaction(() => {
        writer.ingestSpool(spoolPath(this.stateDir));
        writer.write(batch);
      }).immediate();
    } catch (err) {
      this.failed = true;
      this.opts.onError?.(`cannot store lines in ${storePath(this.stateDir)}: ${(err as Error).message}`);
    }
  }

  /** Writes what is queued and closes the store. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.flush();
    this.closed = true;
    this.db?.close();
    this.db = undefined;
  }

  private open(): { db: Db; writer: StoreWriter } {
    if (!this.db || !this.writer) {
      this.db = openStoreForWriting(storePath(this.stateDir), (text) => this.opts.onError?.(text));
      this.writer = new StoreWriter(this.db, DEFAULT_RETENTION);
    }
    return { db: this.db, writer: this.writer };
  }
}
