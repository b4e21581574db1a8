// expandValue on its own: the escape set per mode and the lookups it performs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandValue, type ExpandMode } from '../../src/env/expand.js';

const ENV: Record<string, string> = { S: 's', E: '' };

const CASES: Array<[raw: string, mode: ExpandMode, expand: boolean, expected: string]> = [
  ['a\\nb', 'double', true, 'a\nb'],
  ['a\\nb', 'unquoted', true, 'a\\nb'],
  ['\\$S', 'unquoted', true, '$S'],
  ['\\$S', 'unquoted', false, '\\$S'],
  ['\\$S', 'double', false, '$S'],
  ['$S', 'double', false, '$S'],
  ['\\x\\', 'double', true, '\\x\\'],
  ['trailing \\', 'unquoted', true, 'trailing \\'],
  ['$', 'unquoted', true, '$'],
  ['${S}${E:-e}${U-u}', 'unquoted', true, 'seu'],
  ['$(a $S) $S', 'unquoted', true, '$(a $S) s'],
  ['$(unclosed $S', 'unquoted', true, '$(unclosed $S'],
  ['\\$(a)', 'unquoted', true, '$(a)'],
];

for (const [raw, mode, expand, expected] of CASES) {
  test(`expandValue ${JSON.stringify(raw)} ${mode} expand=${expand}`, { timeout: 5_000 }, () => {
    assert.deepEqual(expandValue(raw, { mode, expand, lookup: (n) => ENV[n] }), { ok: true, value: expected });
  });
}

test('defaults are looked up only when used', { timeout: 5_000 }, () => {
  const looked: string[] = [];
  const lookup = (n: string) => {
    looked.push(n);
    return ENV[n];
  };
  assert.deepEqual(expandValue('${S:-$A}${U:+$B}${U-$C}', { mode: 'unquoted', expand: true, lookup }), { ok: true, value: 's' + '' + '' });
  assert.deepEqual(looked, ['S', 'U', 'U', 'C']);
});

test('deep nesting is refused, not a stack overflow', { timeout: 5_000 }, () => {
  const raw = '${A:-'.repeat(5000) + 'x' + '}'.repeat(5000);
  const result = expandValue(raw, { mode: 'unquoted', expand: true, lookup: () => undefined });
  assert.equal(result.ok, false);
});
