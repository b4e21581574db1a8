// `dozen start` at a terminal passes FORCE_COLOR=1 to its processes only when it colours its own
// output: NO_COLOR and --no-color turn it off for them too (Node warns when both are set).
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasProgram, killAllStarted, startCliInPty, tempApp, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

const T = { timeout: 60_000, skip: !hasProgram('script') && 'needs util-linux script' };

async function forceColorSeen(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const a = await tempApp({ Procfile: 'web: echo "force=${FORCE_COLOR-unset} no=${NO_COLOR-unset}"\n' });
  apps.push(a);
  const run = startCliInPty(['start', '--no-timestamp', '-d', a.dir, ...args], { env: { TERM: 'xterm', ...env } });
  const m = await run.waitForOutput(/force=(\S+) no=(\S+)/);
  await run.exited();
  return `${m[1]} ${m[2]}`;
}

test('at a terminal, the processes get FORCE_COLOR=1', T, async () => {
  assert.equal(await forceColorSeen([]), '1 unset');
});

test('NO_COLOR: the processes get NO_COLOR and no FORCE_COLOR', T, async () => {
  assert.equal(await forceColorSeen([], { NO_COLOR: '1' }), 'unset 1');
});

test('--no-color: the processes get no FORCE_COLOR', T, async () => {
  assert.equal(await forceColorSeen(['--no-color']), 'unset unset');
});
