import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveColor } from '../../src/logs/color.js';

test('resolveColor: flag, then FORCE_COLOR, then NO_COLOR, then TTY', () => {
  const cases: Array<[Parameters<typeof resolveColor>[0], boolean]> = [
    [{ env: {}, isTTY: true }, true],
    [{ env: {}, isTTY: false }, false],
    [{ env: { TERM: 'dumb' }, isTTY: true }, false],
    [{ env: { NO_COLOR: '1' }, isTTY: true }, false],
    [{ env: { NO_COLOR: '' }, isTTY: true }, true], // empty NO_COLOR is ignored (no-color.org)
    [{ env: { FORCE_COLOR: '1' }, isTTY: false }, true],
    [{ env: { FORCE_COLOR: '' }, isTTY: false }, true],
    [{ env: { FORCE_COLOR: '0' }, isTTY: true }, false],
    [{ env: { FORCE_COLOR: 'false' }, isTTY: true }, false],
    [{ env: { FORCE_COLOR: '1', NO_COLOR: '1' }, isTTY: false }, true],
    [{ flag: false, env: { FORCE_COLOR: '1' }, isTTY: true }, false], // --no-color wins
    [{ flag: true, env: { NO_COLOR: '1' }, isTTY: false }, true], // --color wins
  ];
  for (const [input, want] of cases) assert.equal(resolveColor(input), want, JSON.stringify(input));
});
