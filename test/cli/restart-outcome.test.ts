// `dozen restart` reports what became of each restarted instance: up (a listener ready, any other
// still up after the settle time), or the exit of its new process (a crash loop), not `restarted`.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHILD } from '../fixtures/harness.js';
import { killAllStarted, runCli, shellWord, startCli, tempApp, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

test('a restarted worker that dies 50 ms later: the restart fails, saying how it exited', { timeout: 90_000 }, async () => {
  // Crashes (after 50 ms) once the file `crash` exists; otherwise stays up.
  const worker = `if [ -f crash ]; then sleep 0.05; echo crashing; exit 3; fi; exec node ${shellWord(CHILD)} pid ready`;
  const app = await tempApp({ Procfile: `worker: ${worker}\nsteady: exec node ${shellWord(CHILD)} pid ready\n` });
  apps.push(app);
  const port = String(32_000 + Math.floor(Math.random() * 200) * 100);
  const dozen = startCli(['start', '--no-color', '--no-timestamp', '-d', app.dir, '-p', port, '--restart', 'on-failure']);
  await dozen.waitForOutput(/worker\.1 +\| ready/);
  await dozen.waitForOutput(/steady\.1 +\| ready/);

  const started = Date.now();
  const healthy = await runCli(['restart', 'worker', '-d', app.dir]);
  assert.equal(healthy.code, 0, healthy.stderr);
  assert.match(healthy.stdout, /^worker\.1 restarted \(pid \d+ -> \d+\)\n$/);
  assert.ok(Date.now() - started >= 1000, 'answered only once the worker stayed up for the settle time');

  await app.write('crash', '');
  const crashing = await runCli(['restart', 'worker', 'steady', '-d', app.dir]);
  assert.equal(crashing.code, 1, crashing.stdout + crashing.stderr);
  assert.match(crashing.stdout, /^steady\.1 restarted \(pid \d+ -> \d+\)\n$/);
  assert.match(crashing.stderr, /^dozen: worker\.1 was restarted but did not stay up: it exited with code 3 \d+ ms after it started\n$/);
  await dozen.waitForOutput(/worker\.1 +\| crashing/);
  dozen.signal('SIGTERM');
  await dozen.exited(30_000);
});
