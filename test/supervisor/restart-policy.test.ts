import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, decideRestart } from '../../src/supervisor/restart-policy.js';
import { afterFinalExit } from '../../src/supervisor/formation-rule.js';
import { exitCodeOf } from '../../src/supervisor/outcome.js';

const fail = { reason: 'exit-code', code: 1 } as const;
const ok = { reason: 'exit-code', code: 0 } as const;

test('backoff: 1 s doubling, capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(backoffDelay), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
});

test('decideRestart table', () => {
  const rows: Array<[Parameters<typeof decideRestart>, ReturnType<typeof decideRestart>]> = [
    [['never', fail, 10, 0], { action: 'none' }],
    [['on-failure', ok, 10, 0], { action: 'none' }],
    [['on-failure', fail, 10, 0], { action: 'restart', delayMs: 1_000, fastExits: 1 }],
    [['on-failure', { reason: 'signal', signal: 'SIGTERM' }, 10, 2], { action: 'restart', delayMs: 4_000, fastExits: 3 }],
    [['always', ok, 10, 0], { action: 'restart', delayMs: 1_000, fastExits: 1 }],
    [['always', fail, 59_999, 8], { action: 'restart', delayMs: 30_000, fastExits: 9 }],
    [['always', fail, 59_999, 9], { action: 'give-up', fastExits: 10 }],
    [['always', fail, 60_000, 8], { action: 'restart', delayMs: 1_000, fastExits: 1 }],
  ];
  for (const [args, expected] of rows) assert.deepEqual(decideRestart(...args), expected, JSON.stringify(args));
});

test('formation rule: default stops with the code; can-die continues, then finishes', () => {
  const canDie = new Set(['job']);
  assert.deepEqual(afterFinalExit({ instance: 'web.1', type: 'web', outcome: { reason: 'exit-code', code: 3 }, gaveUp: false }, canDie, 2, undefined), {
    action: 'stop', exitCode: 3, reason: 'web.1 is not in --can-die',
  });
  assert.deepEqual(afterFinalExit({ instance: 'web.1', type: 'web', outcome: ok, gaveUp: true }, canDie, 2, undefined), {
    action: 'stop', exitCode: 0, reason: 'web.1 is not in --can-die',
  });
  assert.deepEqual(afterFinalExit({ instance: 'job.1', type: 'job', outcome: fail, gaveUp: false }, canDie, 1, 1), { action: 'continue' });
  assert.deepEqual(afterFinalExit({ instance: 'job.2', type: 'job', outcome: ok, gaveUp: false }, canDie, 0, 4), {
    action: 'finish', exitCode: 4, reason: 'no process left running',
  });
  assert.equal((afterFinalExit({ instance: 'job.2', type: 'job', outcome: ok, gaveUp: false }, canDie, 0, undefined) as { exitCode: number }).exitCode, 0);
});

test('exit codes of outcomes follow the shell', () => {
  assert.equal(exitCodeOf({ reason: 'signal', signal: 'SIGINT' }), 130);
  assert.equal(exitCodeOf({ reason: 'signal', signal: 'SIGTERM' }), 143);
  assert.equal(exitCodeOf({ reason: 'killed' }), 137);
  assert.equal(exitCodeOf({ reason: 'spawn-error', message: 'x', errno: 'ENOENT' }), 127);
});
