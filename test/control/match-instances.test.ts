import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp, matchInstances } from '../../src/control/match-instances.js';

const formation = ['web.1', 'web.2', 'worker.1', 'webpack.1', 'clock.1'].map((name) => ({ name, type: name.split('.')[0] as string }));

const cases: Array<[string[], string[]]> = [
  [[], ['web.1', 'web.2', 'worker.1', 'webpack.1', 'clock.1']],
  [['web'], ['web.1', 'web.2']],
  [['web.2'], ['web.2']],
  [['web.*'], ['web.1', 'web.2']],
  [['web*'], ['web.1', 'web.2', 'webpack.1']],
  [['w*'], ['web.1', 'web.2', 'worker.1', 'webpack.1']],
  [['*.1'], ['web.1', 'worker.1', 'webpack.1', 'clock.1']],
  [['w?b.1'], ['web.1']],
  [['web.[2-9]'], ['web.2']],
  [['web.[!1]'], ['web.2']],
  [['*'], ['web.1', 'web.2', 'worker.1', 'webpack.1', 'clock.1']],
  // Formation order and no duplicates, whatever the order of the patterns.
  [['clock', 'web.2', 'web'], ['web.1', 'web.2', 'clock.1']],
];

for (const [patterns, expected] of cases) {
  test(`patterns ${JSON.stringify(patterns)} match ${expected.join(', ')}`, () => {
    assert.deepEqual(matchInstances(patterns, formation), { ok: true, names: expected });
  });
}

test('a pattern that matches nothing is an error listing the instances, even beside good ones', () => {
  assert.deepEqual(matchInstances(['web', 'wrker', 'web.9'], formation), {
    ok: false,
    message: '"wrker", "web.9" matched no instance (instances: web.1, web.2, worker.1, webpack.1, clock.1)',
  });
});

test('a plain word matches a type or a name exactly, never a prefix', () => {
  assert.equal(matchInstances(['we'], formation).ok, false);
  assert.equal(matchInstances(['web.'], formation).ok, false);
});

test('with no instances at all, the error says so', () => {
  assert.deepEqual(matchInstances(['web'], []), { ok: false, message: '"web" matched no instance (instances: none)' });
});

test('glob metacharacters of regular expressions are literal', () => {
  assert.equal(globToRegExp('a.b').test('axb'), false);
  assert.equal(globToRegExp('a+(b)').test('a+(b)'), true);
  assert.equal(globToRegExp('a[').test('a['), true);
  assert.equal(globToRegExp('$^').test('$^'), true);
});
