import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, utf8SafeEnd } from '../../src/platform/line-splitter.js';
import { ManualTimers } from '../logs/manual-timers.js';

interface Chunk {
  text: string;
  partial: boolean;
}

function rig(opts: { idleMs?: number; maxLineBytes?: number } = {}) {
  const timers = new ManualTimers();
  const chunks: Chunk[] = [];
  const raw: Array<{ data: Buffer; partial: boolean }> = [];
  const splitter = new LineSplitter({
    ...opts,
    timers,
    onChunk: (data, partial) => {
      raw.push({ data: Buffer.from(data), partial });
      chunks.push({ text: data.toString('utf8'), partial });
    },
  });
  return { splitter, timers, chunks, raw };
}

test('complete lines of one read come out as one chunk, the same bytes', () => {
  const { splitter, chunks } = rig();
  splitter.push(Buffer.from('a\nbb\nccc\n'));
  assert.deepEqual(chunks, [{ text: 'a\nbb\nccc\n', partial: false }]);
});

test('without a pending partial, the chunk is a view of the read buffer (no copy)', () => {
  let seen: Buffer | undefined;
  const splitter = new LineSplitter({ onChunk: (data) => (seen = data), timers: new ManualTimers() });
  const read = Buffer.from('one\ntwo\nthr');
  splitter.push(read);
  assert.ok(seen);
  assert.equal(seen.buffer, read.buffer);
  assert.equal(seen.byteOffset, read.byteOffset);
  assert.equal(seen.toString(), 'one\ntwo\n');
});

test('a line split across reads is reassembled, then the following lines come as a view of the read', () => {
  const { splitter, chunks } = rig();
  splitter.push(Buffer.from('hel'));
  splitter.push(Buffer.from('lo'));
  assert.deepEqual(chunks, []);
  splitter.push(Buffer.from(' world\nnext\npart'));
  assert.deepEqual(chunks, [
    { text: 'hello world\n', partial: false },
    { text: 'next\n', partial: false },
  ]);
  splitter.push(Buffer.from('ial\n'));
  assert.deepEqual(chunks[2], { text: 'partial\n', partial: false });
});

test('CRLF is passed through untouched; only \\n splits', () => {
  const { splitter, chunks } = rig();
  splitter.push(Buffer.from('a\r'));
  splitter.push(Buffer.from('\nb\rc\r\n'));
  assert.deepEqual(chunks, [
    { text: 'a\r\n', partial: false },
    { text: 'b\rc\r\n', partial: false },
  ]);
});

test('UTF-8 split across reads is reassembled', () => {
  const { splitter, raw } = rig();
  const bytes = Buffer.from('héllo 😀 wörld\n');
  // Cut inside é and inside the 4-byte emoji.
  splitter.push(bytes.subarray(0, 2));
  splitter.push(bytes.subarray(2, 9));
  splitter.push(bytes.subarray(9));
  assert.equal(raw.length, 1);
  assert.deepEqual(raw[0]!.data, bytes);
});

test('idle flush emits a partial line completed with \\n, marked partial; the rest continues it', () => {
  const { splitter, timers, chunks } = rig({ idleMs: 100 });
  splitter.push(Buffer.from('Loading...'));
  timers.tick(99);
  assert.deepEqual(chunks, []);
  timers.tick(1);
  assert.deepEqual(chunks, [{ text: 'Loading...\n', partial: true }]);
  splitter.push(Buffer.from(' done\nnext\n'));
  assert.deepEqual(chunks[1], { text: ' done\nnext\n', partial: false });
  assert.equal(timers.armed, 0);
});

test('new bytes without newline restart the idle wait', () => {
  const { splitter, timers, chunks } = rig({ idleMs: 100 });
  splitter.push(Buffer.from('a'));
  timers.tick(60);
  splitter.push(Buffer.from('b'));
  timers.tick(60);
  assert.deepEqual(chunks, []);
  timers.tick(40);
  assert.deepEqual(chunks, [{ text: 'ab\n', partial: true }]);
});

test('a busy stream keeps one idle timer armed, not one per read', () => {
  const { splitter, timers, chunks } = rig({ idleMs: 100 });
  for (let i = 0; i < 50; i++) {
    splitter.push(Buffer.from(`line ${i}\nhalf `));
    assert.equal(timers.armed, 1);
    timers.tick(5);
  }
  assert.equal(chunks.filter((c) => c.partial).length, 0);
  timers.tick(99); // 100 ms after the last read
  assert.deepEqual(chunks.at(-1), { text: 'half \n', partial: true });
  assert.equal(chunks.length, 51);
});

test('an idle flush waits for the reads already queued: bytes arriving in that turn cancel it', () => {
  const { splitter, timers, chunks } = rig({ idleMs: 100 });
  splitter.push(Buffer.from('half a '));
  timers.advance(100); // the timer fires (our process was stalled; the rest is in the pipe)
  splitter.push(Buffer.from('line\n')); // ...and the read that was waiting runs in the same turn
  timers.runImmediates();
  assert.deepEqual(chunks, [{ text: 'half a line\n', partial: false }]);
});

test('while paused (backpressure) a partial line is not idle; resume() restarts the wait', () => {
  const { splitter, timers, chunks } = rig({ idleMs: 100 });
  splitter.push(Buffer.from('waiting'));
  timers.tick(50);
  splitter.pause();
  assert.equal(timers.armed, 0);
  timers.tick(1000);
  assert.deepEqual(chunks, []);
  splitter.resume();
  timers.tick(99);
  assert.deepEqual(chunks, []);
  timers.tick(1);
  assert.deepEqual(chunks, [{ text: 'waiting\n', partial: true }]);
});

test('a complete line defuses the idle wait; a trailing partial arms it again', () => {
  const { splitter, timers, chunks } = rig({ idleMs: 100 });
  splitter.push(Buffer.from('x'));
  splitter.push(Buffer.from('\n'));
  timers.tick(100); // the timer fires with nothing pending
  assert.deepEqual(chunks, [{ text: 'x\n', partial: false }]);
  assert.equal(timers.armed, 0);
  splitter.push(Buffer.from('y\nz'));
  assert.equal(timers.armed, 1);
  timers.tick(100);
  assert.deepEqual(chunks, [
    { text: 'x\n', partial: false },
    { text: 'y\n', partial: false },
    { text: 'z\n', partial: true },
  ]);
});

test('a flushed partial never ends inside a UTF-8 sequence: the unfinished bytes wait', () => {
  const { splitter, timers, raw } = rig({ idleMs: 100 });
  const euro = Buffer.from('€'); // 3 bytes
  splitter.push(Buffer.concat([Buffer.from('price: '), euro.subarray(0, 2)]));
  timers.tick(100);
  assert.equal(raw.length, 1);
  assert.equal(raw[0]!.data.toString(), 'price: \n');
  assert.equal(raw[0]!.partial, true);
  splitter.push(Buffer.concat([euro.subarray(2), Buffer.from('5\n')]));
  assert.equal(raw[1]!.data.toString(), '€5\n');
});

test('a pending partial made only of an unfinished UTF-8 sequence is not flushed at idle', () => {
  const { splitter, timers, raw } = rig({ idleMs: 100 });
  splitter.push(Buffer.from([0xf0, 0x9f]));
  timers.tick(1000);
  assert.equal(raw.length, 0);
  splitter.push(Buffer.from([0x98, 0x80, 0x0a]));
  assert.equal(raw[0]!.data.toString(), '😀\n');
});

test('end() emits the pending partial line completed with \\n, not marked partial', () => {
  const { splitter, timers, chunks } = rig();
  splitter.push(Buffer.from('a\nlast words'));
  splitter.end();
  assert.deepEqual(chunks, [
    { text: 'a\n', partial: false },
    { text: 'last words\n', partial: false },
  ]);
  assert.equal(timers.armed, 0);
  splitter.end(); // idempotent
  assert.equal(chunks.length, 2);
  assert.throws(() => splitter.push(Buffer.from('x')), /after end/);
});

test('end() with nothing pending emits nothing', () => {
  const { splitter, chunks } = rig();
  splitter.push(Buffer.from('a\n'));
  splitter.end();
  assert.equal(chunks.length, 1);
});

test('a 1 MiB line without newline arrives whole at end(); a longer one in marked pieces', () => {
  const mib = 1024 * 1024;
  const { splitter, raw } = rig({ maxLineBytes: mib });
  const big = Buffer.alloc(mib - 1, 'x');
  for (let i = 0; i < big.length; i += 65536) splitter.push(big.subarray(i, i + 65536));
  assert.equal(raw.length, 0);
  splitter.end();
  assert.equal(raw.length, 1);
  assert.equal(raw[0]!.data.length, mib);
  assert.equal(raw[0]!.partial, false);
});

test('a line longer than maxLineBytes, read in 64 KiB pieces, is emitted in pieces, nothing lost', () => {
  const mib = 1024 * 1024;
  const { splitter, raw } = rig({ maxLineBytes: mib });
  const line = Buffer.alloc(2.5 * mib, 'y');
  const input = Buffer.concat([line, Buffer.from('\nafter\n')]);
  for (let i = 0; i < input.length; i += 65536) splitter.push(input.subarray(i, i + 65536));
  splitter.end();
  // Two full pieces marked partial, then the end of the line (its own \n), then the next line,
  // which arrived in the same read.
  assert.deepEqual(
    raw.map((c) => [c.data.length, c.partial]),
    [
      [mib + 1, true],
      [mib + 1, true],
      [0.5 * mib + 1, false],
      [6, false],
    ],
  );
  for (const c of raw) assert.equal(c.data[c.data.length - 1], 0x0a);
  const joined = Buffer.concat(raw.map((c) => (c.partial ? c.data.subarray(0, -1) : c.data)));
  assert.deepEqual(joined, input);
});

test('a long line inside a single big read is cut too, the lines around it kept together', () => {
  const { splitter, raw } = rig({ maxLineBytes: 8 });
  splitter.push(Buffer.from('ab\ncd\n0123456789abcdef01\nef\n'));
  assert.deepEqual(
    raw.map((c) => [c.data.toString(), c.partial]),
    [
      ['ab\ncd\n', false],
      ['01234567\n', true],
      ['89abcdef\n', true],
      ['01\n', false],
      ['ef\n', false],
    ],
  );
});

test('pieces of a long line are not cut inside a UTF-8 character', () => {
  const { splitter, raw } = rig({ maxLineBytes: 8 });
  // 'aaaaaaa' (7 bytes) then '€' (3 bytes): the first cut must come before the €.
  splitter.push(Buffer.from('aaaaaaa€€€\n'));
  for (const c of raw) assert.ok(!c.data.toString().includes('\uFFFD'), JSON.stringify(c.data.toString()));
  const joined = raw.map((c) => (c.partial ? c.data.toString().slice(0, -1) : c.data.toString())).join('');
  assert.equal(joined, 'aaaaaaa€€€\n');
});

test('utf8SafeEnd finds character boundaries', () => {
  const b = Buffer.from('a€😀');
  assert.equal(utf8SafeEnd(b, 1), 1);
  assert.equal(utf8SafeEnd(b, 2), 1); // inside €
  assert.equal(utf8SafeEnd(b, 3), 1);
  assert.equal(utf8SafeEnd(b, 4), 4);
  assert.equal(utf8SafeEnd(b, 7), 4); // inside 😀
  assert.equal(utf8SafeEnd(b, 8), 8);
  assert.equal(utf8SafeEnd(Buffer.from([0x80, 0x80, 0x80, 0x80]), 4), 4); // invalid: never held
  assert.equal(utf8SafeEnd(Buffer.alloc(0), 0), 0);
});

test('property: any input in any reads comes out whole, in order, in line-shaped chunks', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('a', 'é', '😀', '\n', '\r', 'xyz'), { maxLength: 80 }),
      fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 4, max: 12 }),
      fc.array(fc.boolean(), { maxLength: 20 }),
      (parts, sizes, maxLineBytes, idles) => {
        const input = Buffer.from(parts.join(''));
        const { splitter, timers, raw } = rig({ maxLineBytes, idleMs: 10 });
        let pos = 0;
        let i = 0;
        while (pos < input.length) {
          const n = sizes[i % sizes.length]!;
          splitter.push(input.subarray(pos, pos + n));
          if (idles[i % Math.max(1, idles.length)]) timers.tick(10);
          pos += n;
          i++;
        }
        splitter.end();
        for (const c of raw) {
          assert.equal(c.data[c.data.length - 1], 0x0a);
          if (c.partial) assert.equal(c.data.indexOf(0x0a), c.data.length - 1); // one piece of one line
          if (c.partial) assert.ok(c.data.length <= maxLineBytes + 1);
        }
        const joined = Buffer.concat(raw.map((c) => (c.partial ? c.data.subarray(0, -1) : c.data)));
        // end() completes an unfinished last line with \n, unless idle already flushed all of it.
        const lastPartial = raw.length > 0 && raw[raw.length - 1]!.partial;
        const complete = input.length === 0 || input[input.length - 1] === 0x0a || lastPartial;
        const expected = complete ? input : Buffer.concat([input, Buffer.from('\n')]);
        assert.deepEqual(joined, expected);
      },
    ),
    { numRuns: 500 },
  );
});
