// The watchdog, on its own: when its pipe closes (here: the process holding it is SIGKILLed),
// it SIGKILLs every group still registered, and only those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isPidAlive } from '../../src/platform/proc.js';
import { assertAllGone, waitUntil } from '../fixtures/harness.js';

const HOLDER = fileURLToPath(new URL('./watchdog-holder.js', import.meta.url));

/** SIGKILL whatever of these the test left alive. */
function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

test('when its owner dies by SIGKILL, registered groups die; unregistered ones live', { timeout: 15_000 }, async () => {
  const holder = spawn(process.execPath, [HOLDER, '--hold'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  holder.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const seen: number[] = [];
  try {
    const line = await waitUntil(() => out.match(/^kept (\d+) (\d+) (\d+) spared (\d+) watchdog (\d+)$/m) ?? undefined, 'the holder to report', 10_000, () => out);
    const [kept1, kept2, grandchild, spared, watchdog] = line.slice(1).map(Number) as [number, number, number, number, number];
    seen.push(kept1, kept2, grandchild, spared, watchdog);
    assert.ok([kept1, kept2, grandchild, spared, watchdog].every((pid) => isPidAlive(pid)));
    holder.kill('SIGKILL');
    await assertAllGone([kept1, kept2, grandchild, watchdog], 1_500);
    assert.equal(isPidAlive(spared), true, 'an unregistered group is left alone');
    process.kill(-spared, 'SIGKILL');
    await assertAllGone([spared], 1_500);
  } finally {
    killAll(seen);
  }
});

test('after its owner dies, it kills every process carrying a cookie of its token, registered or not', { timeout: 15_000 }, async () => {
  const holder = spawn(process.execPath, [HOLDER, '--hold', '--cookies'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  holder.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const seen: number[] = [];
  try {
    const line = await waitUntil(() => out.match(/^ours (\d+) theirs (\d+) watchdog (\d+)$/m) ?? undefined, 'the holder to report', 10_000, () => out);
    const [ours, theirs, watchdog] = line.slice(1).map(Number) as [number, number, number];
    seen.push(ours, theirs, watchdog);
    assert.ok([ours, theirs, watchdog].every((pid) => isPidAlive(pid)));
    holder.kill('SIGKILL');
    await assertAllGone([ours, watchdog], 1_500);
    assert.equal(isPidAlive(theirs), true, "another dozen's cookie is left alone");
  } finally {
    killAll(seen);
  }
});
