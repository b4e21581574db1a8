// The terminal printer: subscribes to the supervisor's events and writes app output and dozen's
// own lines to stdout.
//
// - Output is appended to one batch, written once per turn of the event loop (setImmediate) or
//   as soon as it holds BATCH_BYTES: whole lines only, so a line of one process is never
//   interleaved with another's bytes, and a flood of reads costs a few large writes. On a
//   stdout backed by a file descriptor (file, terminal) that took the bytes at once, the batch
//   buffer is reused: no buffer is allocated per chunk.
// - dozen's human text comes ONLY from `message` events (tagged `dozen`); other events are not
//   printed, so nothing is said twice. They only reset per-instance state.
// - Backpressure: when `out.write()` returns false the supervisor stops reading the children's
//   pipes until 'drain', so memory stays bounded however slow stdout is.
import type { SupervisorEvent } from '../supervisor/events.js';
import type { OutputValve } from '../supervisor/handle.js';
import { SGR } from './color.js';
import { DOZEN_NAME, HeadFormatter, type LineKind } from './prefix.js';
import { appendPrefixed, type ByteBatch } from './prefix-lines.js';
import type { TimestampFormat } from './timestamp.js';

export interface PrinterOptions {
  /** Where app output and dozen's lines go (process.stdout). */
  out: NodeJS.WritableStream;
  /** With `prefix: false`, dozen's own lines go here so `out` carries only the apps' bytes. Default: `out`. */
  err?: NodeJS.WritableStream;
  color: boolean;
  timestamps: boolean;
  /** false = `--no-prefix`: the apps' bytes as they are. */
  prefix: boolean;
  timestampFormat: TimestampFormat;
  /** Names to pad to one column: every instance, plus `release` when it runs. */
  names: readonly string[];
  /** Paused while `out` is full; the printer's own, so no other consumer resumes what it paused. */
  valve: OutputValve;
  /** `out` failed (e.g. EPIPE); output is dropped from then on. */
  onError?: (err: Error) => void;
}

export interface Printer {
  onEvent(event: SupervisorEvent): void;
  /** Resolves when everything written so far has been handed to the OS (or `out` failed). */
  close(): Promise<void>;
}

/** A batch is written once it holds this much, without waiting for the end of the turn. */
const BATCH_BYTES = 64 * 1024;

export function createPrinter(opts: PrinterOptions): Printer {
  const { out, valve } = opts;
  const err = opts.err ?? out;
  const heads = new HeadFormatter(opts);
  /** `instance\0stream` whose last chunk was a cut line: its next chunk starts with a continuation. */
  const continuing = new Set<string>();
  let paused = false;
  let failed = false;

  const onDrain = (): void => {
    paused = false;
    valve.resume();
  };
  const onOutError = (e: Error): void => {
    if (failed) return;
    failed = true;
    // Never leave the children blocked on a stdout that is gone.
    if (paused) {
      out.removeListener('drain', onDrain);
      onDrain();
    }
    opts.onError?.(e);
  };
  out.on('error', onOutError);
  if (err !== out) err.on('error', onOutError);

  function write(stream: NodeJS.WritableStream, bytes: Buffer): void {
    if (failed) return;
    if (stream.write(bytes) || stream !== out || paused) return;
    paused = true;
    valve.pause();
    out.once('drain', onDrain);
  }

  const batch = new OutputBatch(out, (bytes) => write(out, bytes));

  function printOutput(e: Extract<SupervisorEvent, { type: 'output' }>): void {
    if (failed) return;
    let continues = false;
    if (e.partial || continuing.size > 0) {
      const key = `${e.instance}\0${e.stream}`;
      continues = continuing.has(key);
      if (e.partial) continuing.add(key);
      else if (continues) continuing.delete(key);
    }
    if (!opts.prefix) {
      batch.append(e.data);
      return;
    }
    const kind: LineKind = e.stream === 'stderr' ? 'stderr' : 'stdout';
    const head = heads.head(e.at, e.instance, kind);
    const first = continues ? heads.head(e.at, e.instance, 'continued') : head;
    appendPrefixed(batch, e.data, head, first);
    batch.scheduleFlush();
  }

  function printMessage(e: Extract<SupervisorEvent, { type: 'message' }>): void {
    const head = heads.render(e.at, DOZEN_NAME, 'stdout');
    const paint = !opts.color || e.level === 'info' ? undefined : e.level === 'warn' ? SGR.yellow : SGR.red;
    let text = '';
    for (const line of e.text.split('\n')) {
      text += paint ? `${head}${paint}${line}${SGR.reset}\n` : `${head}${line}\n`;
    }
    if (opts.prefix) {
      batch.append(Buffer.from(text));
    } else {
      batch.flush(); // what the apps printed before stays before it
      write(err, Buffer.from(text));
    }
  }

  return {
    onEvent(e: SupervisorEvent): void {
      switch (e.type) {
        case 'output':
          printOutput(e);
          return;
        case 'message':
          printMessage(e);
          return;
        case 'spawned':
        case 'exited':
          // A new run of the instance never continues a line cut in the previous one.
          continuing.delete(`${e.instance}\0stdout`);
          continuing.delete(`${e.instance}\0stderr`);
          return;
        default:
          // Everything else reaches the user through the supervisor's `message` events.
          return;
      }
    },

    close(): Promise<void> {
      batch.flush();
      const streams = err === out ? [out] : [out, err];
      return Promise.all(streams.map((s) => flushed(s, () => failed))).then(() => {
        out.removeListener('error', onOutError);
        if (err !== out) err.removeListener('error', onOutError);
      });
    },
  };
}

/**
 * The bytes waiting for the next write, `bytes[start..length)`. They are written at the end of
 * the turn of the event loop or once BATCH_BYTES are waiting. The buffer is reused from its start
 * only when `out` is a file descriptor's stream that took the bytes at once (nothing left
 * buffered); a stream that may keep them (an async file stream, a pipe the kernel did not take
 * whole, any user Writable) owns them, and the next batch goes after them, in a new buffer once
 * this one is full.
 */
class OutputBatch implements ByteBatch {
  bytes: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  length = 0;
  private start = 0;
  private scheduled = false;
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly writeOut: (bytes: Buffer) => void,
  ) {}

  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    this.flush();
    if (this.length + n <= this.bytes.length) return;
    this.bytes = Buffer.allocUnsafe(Math.max(n, BATCH_BYTES));
    this.start = this.length = 0;
  }

  append(data: Buffer): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
    this.scheduleFlush();
  }

  scheduleFlush(): void {
    if (this.length - this.start >= BATCH_BYTES) this.flush();
    else if (!this.scheduled && this.length > this.start) {
      this.scheduled = true;
      setImmediate(this.onImmediate);
    }
  }

  flush(): void {
    if (this.length === this.start) return;
    const bytes = this.bytes.subarray(this.start, this.length);
    this.writeOut(bytes);
    const out = this.out as { fd?: unknown; writableLength?: number };
    if (typeof out.fd === 'number' && out.writableLength === 0) {
      this.start = this.length = 0;
      // A huge line grew the buffer: do not keep it.
      if (this.bytes.length > 4 * BATCH_BYTES) this.bytes = Buffer.allocUnsafe(BATCH_BYTES);
    } else {
      this.start = this.length;
    }
  }
}

/** Resolves once the bytes written to `stream` so far are handed over (write callbacks run in order). */
function flushed(stream: NodeJS.WritableStream, failed: () => boolean): Promise<void> {
  if (failed()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.removeListener('error', done);
      resolve();
    };
    stream.once('error', done);
    stream.write(Buffer.alloc(0), () => done());
  });
}
