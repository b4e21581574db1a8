// End to end: `dozen start | grep x`, then Ctrl-C. The terminal's SIGINT ends the reader of dozen's
// stdout too; dozen's next write gets EPIPE. Supervision must not change: the processes get their
// graceful stop, their last lines are stored, the socket is removed, and dozen exits 130.
// `dozen env | head` still stops quietly with 0.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../fixtures/harness.js';
import { cleanEnv, cliPath, isAlive, killAllStarted, runCli, tempApp, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

/** A process that prints a line every 50 ms (so dozen keeps writing) and stops gracefully on SIGTERM. */
const TICKER = `web: trap 'echo stopping-gracefully; exit 0' TERM; echo "ready $$"; while :; do echo tick; sleep 0.05; done\n`;

test('a stop is a stop when the reader of stdout dies: graceful stop, lines stored, socket removed, exit 130', { timeout: 60_000 }, async () => {
  const app = await tempApp({ Procfile: TICKER });
  apps.push(app);
  // The reader (grep's part): a real process at the other end of dozen's stdout pipe.
  const reader = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  let seen = '';
  reader.stdout.setEncoding('utf8').on('data', (s: string) => (seen += s));
  const dozen = spawn(process.execPath, [cliPath, 'start', '--no-timestamp', '--no-color', '-t', '10', '-d', app.dir], {
    stdio: ['ignore', reader.stdin, 'pipe'],
    env: cleanEnv(),
    detached: true,
  });
  let stderr = '';
  dozen.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => dozen.once('close', (code, signal) => resolve({ code, signal })));
  try {
    const pid = Number((await waitUntil(() => /ready (\d+)/.exec(seen) ?? undefined, 'web.1 to be ready', 15_000, () => seen))[1]);
    reader.stdin.destroy(); // our copy of the pipe's write end; dozen holds its own
    reader.kill('SIGKILL');
    await new Promise((resolve) => reader.once('close', resolve));
    // web.1 ticks every 50 ms: within this, dozen has written to the dead pipe (and got EPIPE).
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(dozen.exitCode, null, `dozen ended when its stdout went away:\n${stderr}`);
    dozen.kill('SIGINT');
    const result = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`dozen still running:\n${stderr}`)), 20_000))]);
    assert.equal(result.code, 130, stderr);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    assert.equal(isAlive(pid), false);
    assert.equal(existsSync(join(app.dir, '.dozen', 'control.sock')), false, 'the control socket is removed');
    const logs = await runCli(['logs', '-n', '1000', '-d', app.dir]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /app\[web\.1\]: stopping-gracefully/);
    assert.match(logs.stdout, /received SIGINT: sending SIGTERM to all processes/);
    assert.doesNotMatch(logs.stdout, /sending SIGKILL|killed with SIGKILL/);
  } finally {
    reader.stdin.destroy();
    reader.kill('SIGKILL');
    if (dozen.exitCode === null && dozen.signalCode === null) process.kill(-dozen.pid!, 'SIGKILL');
  }
});

test('a command that only prints stops quietly with 0 when its reader goes away (dozen env | head -1)', { timeout: 30_000 }, async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `K${i}=${'v'.repeat(100)}`).join('\n');
  const app = await tempApp({ Procfile: 'web: true\n', '.env': `${lines}\n` });
  apps.push(app);
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const head = spawn('head', ['-c', '10'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const dozen = spawn(process.execPath, [cliPath, 'env', '-d', app.dir], { stdio: ['ignore', head.stdin, 'pipe'], env: cleanEnv() });
    head.stdin.destroy();
    let stderr = '';
    dozen.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    dozen.once('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
});
