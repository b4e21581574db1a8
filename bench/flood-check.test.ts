// Run with `node --test dist/bench/` (not part of npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { checkFlood, floodCommand, record } from './flood-check.js';

test('awk prints exactly the records the checker expects', () => {
  const out = execFileSync('sh', ['-c', floodCommand('a', 3)], { encoding: 'latin1' });
  assert.equal(out, [1, 2, 3].map((n) => `${record('a', n)}\n`).join(''));
  assert.equal(record('a', 1).length + 1, 62);
});

test('intact records behind any prefix; manager lines ignored', () => {
  const out = ['12:00:00 dozen | a.1 started pid 1234 on port 5000', `12:00:00 a.1 | ${record('a', 1)}`, `[b] ${record('b', 1)}`, record('a', 2), ''].join('\n');
  assert.deepEqual(checkFlood(out, ['a', 'b'], 2), { intact: 3, lost: 1, duplicated: 0, splitOrSpliced: 0 });
});

test('a record split in two lines is split, not lost; a glued pair is spliced', () => {
  const r1 = record('a', 1);
  const r2 = record('b', 1);
  const out = [r1.slice(0, 20), r1.slice(20), r2.slice(0, 30) + record('a', 2), record('b', 2), ''].join('\n');
  const check = checkFlood(out, ['a', 'b'], 2);
  assert.equal(check.splitOrSpliced, 3);
  assert.equal(check.lost, 0);
  assert.equal(check.intact, 1);
});

test('the head of one record and the tail of another never pass for a record', () => {
  const glued = record('a', 7).slice(0, 25) + record('b', 7).slice(25);
  assert.equal(checkFlood(`${glued}\n`, ['a', 'b'], 7).splitOrSpliced, 1);
});

test('duplicates are counted', () => {
  assert.equal(checkFlood(`${record('a', 1)}\n${record('a', 1)}\n`, ['a'], 1).duplicated, 1);
});
