// One build step as a real process group: lines, a program that is not there, what a step leaves
// running, and a stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWatchdog } from '../../src/platform/watchdog.js';
import { runStep } from '../../src/releases/run-step.js';
import type { BuildStep } from '../../src/releases/buildpacks.js';
import { isAlive } from '../cli/helpers.js';

const T = { timeout: 20_000 };

async function run(command: BuildStep['command'], signal?: AbortSignal) {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-step-'));
  const watchdog = startWatchdog();
  const lines: string[] = [];
  try {
    const outcome = await runStep({ name: 'step', command, env: {} }, { cwd: dir, env: process.env, watchdog, signal, stopTimeoutMs: 500, onLine: (l, s) => lines.push(`${s} ${l}`) });
    return { outcome, lines };
  } finally {
    watchdog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('lines by stream; an unfinished last line is a line; the exit code is data', T, async () => {
  const { outcome, lines } = await run('printf "a\\nb\\n"; printf "oops" >&2; printf "\\nc"; exit 4');
  assert.deepEqual(outcome, { reason: 'exit-code', code: 4 });
  assert.deepEqual(lines.filter((l) => l.startsWith('stdout')), ['stdout a', 'stdout b', 'stdout ', 'stdout c']);
  assert.deepEqual(lines.filter((l) => l.startsWith('stderr')), ['stderr oops']);
});

test('a program that is not there: a spawn error naming it', T, async () => {
  const { outcome } = await run(['no-such-program-for-dozen', '--version']);
  assert.deepEqual(outcome, { reason: 'spawn-error', message: 'no-such-program-for-dozen: not found (is it installed, and on PATH?)', errno: 'ENOENT' });
});

test('what a step leaves running in its group is killed when it exits', T, async () => {
  const { outcome, lines } = await run('sleep 30 & echo "left $!"');
  assert.deepEqual(outcome, { reason: 'exit-code', code: 0 });
  const pid = Number(/left (\d+)/.exec(lines.join('\n'))?.[1]);
  for (let i = 0; isAlive(pid) && i < 40; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(isAlive(pid), false);
});

test('aborting stops the step: SIGTERM to its group, then SIGKILL', T, async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const polite = await run('sleep 30', ac.signal);
  assert.deepEqual(polite.outcome, { reason: 'signal', signal: 'SIGTERM' });
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 200);
  const stubborn = await run(['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'], ac2.signal);
  assert.deepEqual(stubborn.outcome, { reason: 'signal', signal: 'SIGKILL' });
});
