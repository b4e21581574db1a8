import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatExit, statusRow } from '../../src/control/format-status.js';
import { controlRoot } from '../../src/cli/commands/control.js';

test('durations: two units at most', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [3_599_000, '59m59s'],
    [3_600_000, '1h00m'],
    [86_399_000, '23h59m'],
    [90_000_000, '1d01h'],
  ];
  for (const [ms, shown] of cases) assert.equal(formatDuration(ms), shown, String(ms));
});

test('sizes: binary units, one decimal under 10', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1.0K'],
    [512 * 1024, '512K'],
    [9.84 * 1024 * 1024, '9.8M'],
    [120 * 1024 * 1024, '120M'],
    [1.25 * 1024 ** 3, '1.3G'],
  ];
  for (const [bytes, shown] of cases) assert.equal(formatBytes(bytes), shown, String(bytes));
});

test('last exits in words', () => {
  assert.equal(formatExit({ reason: 'exit-code', code: 3 }), 'code 3');
  assert.equal(formatExit({ reason: 'signal', signal: 'SIGTERM' }), 'SIGTERM');
  assert.equal(formatExit({ reason: 'killed' }), 'killed after the stop timeout');
  assert.equal(formatExit({ reason: 'spawn-error', message: 'spawn sh ENOENT', errno: 'ENOENT' }), 'could not start: ENOENT');
});

test('a stopped instance without a port shows dashes, not zeros', () => {
  const row = statusRow({
    name: 'worker.1', type: 'worker', index: 1, state: 'stopped', pid: null, port: null, ready: false, startedAt: null,
    uptimeMs: null, restarts: 2, lastExit: { reason: 'exit-code', code: 0 }, cpuPercent: null, rssBytes: null, processes: 0,
  });
  assert.deepEqual(row, ['worker.1', 'stopped', '-', '-', '-', '-', '2', '-', '-', 'code 0']);
});

test('control commands find the app root as dozen start does: -d, else the folder of -f, else here', () => {
  assert.equal(controlRoot({}, '/here'), '/here');
  assert.equal(controlRoot({ root: 'app' }, '/here'), '/here/app');
  assert.equal(controlRoot({ procfile: 'other/Procfile.dev' }, '/here'), '/here/other');
  assert.equal(controlRoot({ root: '/srv/app', procfile: 'x/Procfile' }, '/here'), '/srv/app');
});

test('during a surge the two rows of a name say which is the new generation and which the old', () => {
  const base = {
    name: 'web.1', type: 'web', index: 1, pid: 10, port: 5000, ready: true, startedAt: 0, uptimeMs: 5_000, restarts: 0,
    lastExit: null, cpuPercent: null, rssBytes: null, processes: 1,
  };
  assert.equal(statusRow({ ...base, state: 'starting', ready: false, generation: 2, role: 'incoming' })[1], 'starting (new)');
  assert.equal(statusRow({ ...base, state: 'stopping', generation: 1, role: 'outgoing' })[1], 'stopping (old)');
  assert.equal(statusRow({ ...base, state: 'running', generation: 2, role: 'member' })[1], 'running');
});
