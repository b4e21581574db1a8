import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createPrinter, type PrinterOptions } from '../../src/logs/printer.js';
import type { SupervisorEvent } from '../../src/supervisor/events.js';

const AT = new Date(2026, 10, 28, 9, 5, 3).getTime();

/** Runs `fn` `turns` turns of the event loop from now. */
function afterTurns(turns: number, fn: () => void): void {
  if (turns === 0) fn();
  else setImmediate(() => afterTurns(turns - 1, fn));
}

/** A Writable that keeps everything; with `slow`, each write completes only on a later turn. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  maxBuffered = 0;
  /**
   * slow: each write completes three turns later (the printer writes once a turn, so the sink
   * falls behind by turns, not by time: however fast the machine); hold: no write completes
   * until release().
   */
  constructor(opts: { slow?: boolean; hold?: boolean; highWaterMark?: number; failAfter?: number } = {}) {
    super({ highWaterMark: opts.highWaterMark ?? 16384 });
    this.slow = opts.slow ?? false;
    this.holding = opts.hold ?? false;
    this.failAfter = opts.failAfter ?? Infinity;
  }
  private readonly slow: boolean;
  private readonly failAfter: number;
  private holding: boolean;
  private held: Array<() => void> = [];
  /** Completes the held writes, and every later one at once. */
  release(): void {
    this.holding = false;
    for (const cb of this.held.splice(0)) cb();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (chunk.length === 0) return cb(); // close()'s flush marker
    if (this.chunks.length >= this.failAfter) {
      const e = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      setImmediate(() => cb(e));
      return;
    }
    this.chunks.push(Buffer.from(chunk));
    if (this.holding) this.held.push(() => cb());
    else if (this.slow) afterTurns(3, () => cb());
    else cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

/** Records backpressure calls; `whenResumed()` waits (bounded) for the printer to resume output. */
class FakeValve {
  paused = false;
  pauses = 0;
  resumes = 0;
  private waiters: Array<() => void> = [];
  pause(): void {
    assert.equal(this.paused, false, 'paused twice without a resume');
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    assert.equal(this.paused, true, 'resumed while not paused');
    this.paused = false;
    this.resumes++;
    for (const w of this.waiters.splice(0)) w();
  }
  whenResumed(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`output was never resumed within 5 s (paused ${this.pauses} times, resumed ${this.resumes})`)), 5000);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

function setup(over: Partial<PrinterOptions> = {}, sink = new Sink()) {
  const handle = new FakeValve();
  const printer = createPrinter({
    out: sink,
    color: false,
    timestamps: true,
    prefix: true,
    timestampFormat: 'time',
    names: ['web.1', 'worker.1'],
    valve: handle,
    ...over,
  });
  return { printer, sink, handle };
}

function output(instance: string, text: string, more: Partial<Extract<SupervisorEvent, { type: 'output' }>> = {}): SupervisorEvent {
  return { type: 'output', at: AT, instance, stream: 'stdout', data: Buffer.from(text), ...more };
}

/** Lets the event loop run one turn (the printer writes its batch at the end of a turn). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('app output: every line prefixed, stderr marked, one write per turn of the event loop', async () => {
  const { printer, sink } = setup();
  printer.onEvent(output('web.1', 'listening\nGET /\n'));
  printer.onEvent(output('worker.1', 'oops\n', { stream: 'stderr' }));
  assert.equal(sink.chunks.length, 0);
  await nextTurn();
  assert.equal(sink.chunks.length, 1);
  printer.onEvent(output('web.1', 'later\n'));
  await printer.close();
  assert.equal(sink.chunks.length, 2);
  assert.equal(
    sink.text(),
    '09:05:03 web.1    | listening\n09:05:03 web.1    | GET /\n09:05:03 worker.1 ! oops\n09:05:03 web.1    | later\n',
  );
});

test('a line cut by dozen is continued with "+" on the next chunk of the same stream only', async () => {
  const { printer, sink } = setup({ timestamps: false });
  printer.onEvent(output('web.1', 'Loading...\n', { partial: true }));
  printer.onEvent(output('web.1', 'err line\n', { stream: 'stderr' }));
  printer.onEvent(output('worker.1', 'other\n'));
  printer.onEvent(output('web.1', ' done\nnext\n'));
  printer.onEvent(output('web.1', 'after\n'));
  await printer.close();
  assert.equal(
    sink.text(),
    [
      'web.1    | Loading...',
      'web.1    ! err line',
      'worker.1 | other',
      'web.1    +  done',
      'web.1    | next',
      'web.1    | after',
      '',
    ].join('\n'),
  );
});

test('a restarted instance does not continue the line cut in its previous run', async () => {
  const { printer, sink } = setup({ timestamps: false });
  printer.onEvent(output('web.1', 'half\n', { partial: true }));
  printer.onEvent({ type: 'exited', at: AT, instance: 'web.1', pid: 1, outcome: { reason: 'exit-code', code: 1 }, uptimeMs: 5 });
  printer.onEvent(output('web.1', 'fresh\n'));
  await printer.close();
  assert.equal(sink.text(), 'web.1    | half\nweb.1    | fresh\n');
});

test("dozen's text comes only from message events, tagged dozen; other events print nothing", async () => {
  const { printer, sink } = setup();
  printer.onEvent({ type: 'spawned', at: AT, instance: 'web.1', pid: 123, port: 5000 });
  printer.onEvent({ type: 'message', at: AT, level: 'info', text: 'web.1 started pid 123 on port 5000', instance: 'web.1' });
  printer.onEvent({ type: 'ready', at: AT, instance: 'web.1', port: 5000, afterMs: 412 });
  printer.onEvent({ type: 'stopping', at: AT, instance: 'web.1', signal: 'SIGTERM' });
  printer.onEvent({ type: 'message', at: AT, level: 'error', text: 'two\nlines' });
  printer.onEvent({ type: 'formation-exited', at: AT, exitCode: 0 });
  await printer.close();
  assert.equal(
    sink.text(),
    '09:05:03 dozen    | web.1 started pid 123 on port 5000\n09:05:03 dozen    | two\n09:05:03 dozen    | lines\n',
  );
});

test('with colour, warnings are yellow and errors red; without, no escape codes anywhere', async () => {
  const coloured = setup({ color: true, timestamps: false });
  coloured.printer.onEvent({ type: 'message', at: AT, level: 'warn', text: 'slow' });
  coloured.printer.onEvent({ type: 'message', at: AT, level: 'error', text: 'bad' });
  await coloured.printer.close();
  assert.equal(
    coloured.sink.text(),
    '\x1b[0m\x1b[1mdozen    \x1b[1m|\x1b[0m \x1b[33mslow\x1b[0m\n\x1b[0m\x1b[1mdozen    \x1b[1m|\x1b[0m \x1b[31mbad\x1b[0m\n',
  );
  const plain = setup();
  plain.printer.onEvent({ type: 'message', at: AT, level: 'error', text: 'bad' });
  plain.printer.onEvent(output('web.1', 'x\n', { stream: 'stderr' }));
  await plain.printer.close();
  assert.ok(!plain.sink.text().includes('\x1b'));
});

test('--no-prefix: app bytes unchanged on out, dozen lines on err', async () => {
  const err = new Sink();
  const { printer, sink } = setup({ prefix: false, err });
  printer.onEvent(output('web.1', '{"json":1}\n'));
  printer.onEvent(output('worker.1', 'raw\r\n', { stream: 'stderr' }));
  printer.onEvent({ type: 'message', at: AT, level: 'info', text: 'web.1 exited with code 0' });
  await printer.close();
  assert.equal(sink.text(), '{"json":1}\nraw\r\n');
  assert.equal(err.text(), '09:05:03 dozen    | web.1 exited with code 0\n');
});

test('backpressure: a slow stdout pauses and resumes the supervisor; nothing lost or reordered', { timeout: 30_000 }, async () => {
  const sink = new Sink({ slow: true, highWaterMark: 1024 });
  const { printer, handle } = setup({ timestamps: false }, sink);
  const expected: string[] = [];
  let seq = 0;
  for (let chunk = 0; chunk < 200; chunk++) {
    await handle.whenResumed();
    // A real supervisor may still deliver what it had already read after a pause().
    const burst = chunk % 10 === 0 ? 3 : 1;
    for (let b = 0; b < burst; b++) {
      const name = seq % 2 === 0 ? 'web.1' : 'worker.1';
      let text = '';
      for (let l = 0; l < 5; l++) text += `line ${seq}.${l}\n`;
      printer.onEvent(output(name, text));
      for (let l = 0; l < 5; l++) expected.push(`${name.padEnd(8)} | line ${seq}.${l}\n`);
      seq++;
    }
    await nextTurn(); // reads arrive over turns of the event loop; the batch is written at the end of each
  }
  await printer.close();
  assert.ok(handle.pauses > 10, `pauses: ${handle.pauses}`);
  assert.equal(handle.resumes, handle.pauses);
  assert.equal(handle.paused, false);
  assert.equal(sink.text(), expected.join(''));
  // Bounded: never more than the high-water mark plus the few chunks in flight after a pause.
  assert.ok(sink.maxBuffered < 1024 + 4 * 200, `buffered up to ${sink.maxBuffered} bytes`);
});

test('a failing stdout (EPIPE) resumes the children, reports once, and drops later output', { timeout: 10_000 }, async () => {
  // The first write is held, so stdout stays full for all five reads, however slow the machine.
  const sink = new Sink({ hold: true, highWaterMark: 64, failAfter: 2 });
  const errors: Error[] = [];
  const { printer, handle } = setup({ timestamps: false, onError: (e) => errors.push(e) }, sink);
  for (let i = 0; i < 5; i++) {
    printer.onEvent(output('web.1', `${'x'.repeat(100)} ${i}\n`));
    await nextTurn();
  }
  assert.equal(handle.pauses, 1);
  sink.release(); // the second write goes through, the third fails with EPIPE
  await handle.whenResumed();
  printer.onEvent(output('web.1', 'dropped\n'));
  await printer.close();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /EPIPE/);
  assert.equal(handle.resumes, 1);
  assert.ok(!sink.text().includes('dropped'));
});

/** Keeps the very buffers written (no copy), as a PassThrough would; optionally looks like a file descriptor's stream. */
class KeepingSink extends Writable {
  readonly chunks: Buffer[] = [];
  constructor(readonly fd?: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // A file descriptor's stream hands the bytes to the kernel before calling back: copy, as it does.
    this.chunks.push(this.fd === undefined ? chunk : Buffer.from(chunk));
    cb();
  }
}

test('batches: buffers a stream may keep are never written over; an fd stream gets the same bytes', async () => {
  for (const sink of [new KeepingSink(), new KeepingSink(99)]) {
    const { printer } = setup({ timestamps: false }, sink as unknown as Sink);
    let expected = '';
    for (let turn = 0; turn < 30; turn++) {
      // Some turns exceed the batch size (a 100 KiB line), most are small.
      const text = turn % 7 === 3 ? `${'z'.repeat(100 * 1024)}\n` : `turn ${turn} a\nturn ${turn} b\n`;
      printer.onEvent(output(turn % 2 ? 'web.1' : 'worker.1', text));
      for (const line of text.split('\n').slice(0, -1)) expected += `${(turn % 2 ? 'web.1' : 'worker.1').padEnd(8)} | ${line}\n`;
      printer.onEvent({ type: 'message', at: AT, level: 'info', text: `said ${turn}` });
      expected += `dozen    | said ${turn}\n`;
      if (turn % 3 === 0) await nextTurn();
    }
    await printer.close();
    assert.equal(Buffer.concat(sink.chunks).toString(), expected, `fd: ${sink.fd}`);
    assert.ok(sink.chunks.length < 60, `writes: ${sink.chunks.length}`);
  }
});

test('a source that is not in the formation (the router) prints with a prefix and a colour of its own', async () => {
  const { printer, sink } = setup({ timestamps: false, color: true, names: ['web.1', 'router'] });
  printer.onEvent(output('router', 'GET / 200\n'));
  printer.onEvent(output('web.1', 'hi\n'));
  printer.onEvent(output('proxy', 'unlisted\n'));
  await printer.close();
  const plain = sink.text().replace(/\x1b\[[0-9;]*m/g, '');
  assert.equal(plain, 'router | GET / 200\nweb.1  | hi\nproxy  | unlisted\n');
  const colours = sink.text().split('\n').slice(0, 3).map((l) => /^\x1b\[0m(\x1b\[[0-9;]*m)/.exec(l)?.[1]);
  assert.equal(new Set(colours).size, 3, `one colour per source: ${JSON.stringify(colours)}`);
});
