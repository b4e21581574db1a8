// The output pipeline end to end on real pipes: two children flood numbered lines at once, their
// reads go through LineSplitters into one printer, and every line must come out whole, once, in
// order, with its own prefix — the property the supervisor relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { LineSplitter } from '../../src/platform/line-splitter.js';
import { createPrinter } from '../../src/logs/printer.js';

const LINES = 20_000;

/** A slowish sink: every write completes on a later turn, so backpressure really happens. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    setImmediate(cb);
  }
}

test('two real floods through splitters and one printer: no line lost, split, spliced or reordered', { timeout: 60_000 }, async () => {
  const sink = new Sink();
  const children = ['a', 'b'].map((name) =>
    spawn('sh', ['-c', `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) printf "${name} %06d %s\\n", i, "payload-payload-payload-payload-payload" }'`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  let pauses = 0;
  const printer = createPrinter({
    out: sink,
    color: false,
    timestamps: false,
    prefix: true,
    timestampFormat: 'time',
    names: ['a.1', 'b.1'],
    valve: {
      pause: () => {
        pauses++;
        for (const c of children) c.stdout!.pause();
      },
      resume: () => {
        for (const c of children) c.stdout!.resume();
      },
    },
  });
  const done = children.map(
    (child, i) =>
      new Promise<void>((resolve, reject) => {
        const instance = i === 0 ? 'a.1' : 'b.1';
        const splitter = new LineSplitter({
          onChunk: (data, partial) => printer.onEvent({ type: 'output', at: Date.now(), instance, stream: 'stdout', data, partial }),
        });
        child.stdout!.on('data', (buf: Buffer) => splitter.push(buf));
        child.stdout!.once('close', () => {
          splitter.end();
          resolve();
        });
        child.once('error', reject);
      }),
  );
  try {
    await Promise.all(done);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  await printer.close();

  const lines = Buffer.concat(sink.chunks).toString().split('\n');
  assert.equal(lines.pop(), '');
  const next = { a: 1, b: 1 };
  for (const line of lines) {
    const m = /^([ab])\.1 {3}\| ([ab]) (\d{6}) payload-payload-payload-payload-payload$/.exec(line);
    assert.ok(m, `mangled line: ${JSON.stringify(line.slice(0, 120))}`);
    const name = m[1] as 'a' | 'b';
    assert.equal(m[2], name, `line of ${m[2]} under ${name}'s prefix`);
    assert.equal(Number(m[3]), next[name], `${name}: expected line ${next[name]}`);
    next[name]++;
  }
  assert.deepEqual(next, { a: LINES + 1, b: LINES + 1 });
  assert.ok(pauses > 0, 'the slow sink never pushed back');
});
