import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readJsonLines } from '../../src/control/json-lines.js';

function rig(maxLineBytes = 1000) {
  const source = new EventEmitter();
  const lines: string[] = [];
  let overflows = 0;
  readJsonLines(source, {
    maxLineBytes,
    onLine: (l) => lines.push(l),
    onOverflow: () => (overflows += 1),
  });
  const feed = (...chunks: Array<string | Buffer>) => chunks.forEach((c) => source.emit('data', Buffer.isBuffer(c) ? c : Buffer.from(c)));
  return { feed, lines, overflows: () => overflows };
}

test('lines split across chunks, several per chunk, blank ones skipped', () => {
  const { feed, lines } = rig();
  feed('{"a":', '1}\n{"b":2}\n\n  \n{"c"', ':3}\n{"d":4}');
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  feed('\n');
  assert.deepEqual(lines.at(-1), '{"d":4}');
});

test('a UTF-8 character cut between two chunks arrives whole', () => {
  const { feed, lines } = rig();
  const bytes = Buffer.from('"héllo ✓"\n');
  feed(bytes.subarray(0, 3), bytes.subarray(3, 11), bytes.subarray(11));
  assert.deepEqual(lines, ['"héllo ✓"']);
});

test('a line longer than the cap is refused once, and nothing after it is read', () => {
  const { feed, lines, overflows } = rig(10);
  feed('{"ok":1}\n', 'x'.repeat(6), 'x'.repeat(6));
  assert.equal(overflows(), 1);
  feed('\n{"late":1}\n');
  assert.deepEqual(lines, ['{"ok":1}']);
  assert.equal(overflows(), 1);
});
