// `dozen restart` in a working tree re-reads the Procfile and env files and says in one line what
// changed (names only); behind the router `web` still surges; a running release keeps its snapshot.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { CHILD } from '../fixtures/harness.js';
import { gitApp, gitTestEnv, NODE_APP } from '../releases/git-app.js';
import { killAllStarted, repoRoot, runCli, shellWord, startCli, tempApp, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

const T = { timeout: 120_000 };
const child = `node ${shellWord(CHILD)}`;
const WEB = shellWord(`${repoRoot}/dist/test/fixtures/router-web.js`);

test('restart re-reads .env and the Procfile: the new values and command, one line of names', T, async () => {
  const app = await tempApp({
    Procfile: `worker: echo "greeting=$GREETING"; exec ${child} ready\n`,
    '.env': 'GREETING=hello\nSECRET=one\n',
  });
  apps.push(app);
  const dozen = startCli(['start', '--no-color', '--no-timestamp', '-d', app.dir, '-p', String(await kernelFreePort())]);
  await dozen.waitForOutput(/worker\.1 +\| greeting=hello/);
  await dozen.waitForOutput(/worker\.1 +\| ready/);

  await app.write('.env', 'GREETING=bonjour\nSECRET=two\nDEBUG=1\n');
  await app.write('Procfile', `worker: echo "v2 greeting=$GREETING debug=$DEBUG"; exec ${child} ready\n`);
  const r = await runCli(['restart', 'worker', '-d', app.dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 're-read the app: worker: command changed; config: GREETING changed, SECRET changed, DEBUG added');
  assert.match(lines[1] ?? '', /^worker\.1 restarted \(pid \d+ -> \d+\)$/);
  assert.ok(!/bonjour|two/.test(r.stdout + r.stderr), 'no value is printed');
  await dozen.waitForOutput(/worker\.1 +\| v2 greeting=bonjour debug=1/);
  await dozen.waitForOutput(/dozen +\| restart re-read the app: worker: command changed; config: /);

  // Nothing changed since: no line. A type added starts with a restart of everything.
  const again = await runCli(['restart', '-d', app.dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /re-read/);
  await app.write('Procfile', `worker: echo "v2 greeting=$GREETING debug=$DEBUG"; exec ${child} ready\nclock: exec ${child} line:tick ready\n`);
  const grown = await runCli(['restart', '-d', app.dir]);
  assert.equal(grown.code, 0, grown.stderr);
  assert.match(grown.stdout, /^re-read the app: clock: added\n/);
  await dozen.waitForOutput(/clock\.1 +\| tick/);

  // An env file that no longer loads: nothing is restarted, the error says where.
  await app.write('.env', 'GREETING="unterminated\n');
  const broken = await runCli(['restart', '-d', app.dir]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^dozen: nothing restarted: the app no longer loads: \S*\.env:1: /);
  dozen.signal('SIGTERM');
  await dozen.exited(30_000);
});

test('behind the router, a re-read restart of web still surges', T, async () => {
  const app = await tempApp({ Procfile: `web: node ${WEB}\n`, '.env': 'NAME=a\n' });
  apps.push(app);
  const base = await kernelFreePort();
  const router = await kernelFreePort();
  const dozen = startCli(['start', '--no-color', '--no-timestamp', '-d', app.dir, '-p', String(base), '--router', `127.0.0.1:${router}`]);
  await dozen.waitForOutput(/web\.1 listening on/);
  await app.write('.env', 'NAME=b\n');
  const r = await runCli(['restart', 'web', '-d', app.dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^re-read the app: config: NAME changed\nweb\.1 restarted/);
  const ps = JSON.parse((await runCli(['ps', '--json', '-d', app.dir])).stdout) as Array<{ name: string; port: number; generation: number }>;
  assert.equal(ps[0]?.generation, 2);
  assert.notEqual(ps[0]?.port, base, 'replaced beside the old one, on a new port (surge)');
  dozen.signal('SIGTERM');
  await dozen.exited(30_000);
});

test('a running release keeps its snapshot: restart reads no working tree', { timeout: 180_000 }, async () => {
  const repo = gitApp({ ...NODE_APP, Procfile: `worker: echo "release greeting=$GREETING"; exec ${child} ready\n` });
  const env = gitTestEnv() as Record<string, string>;
  try {
    assert.equal((await runCli(['config', 'set', 'GREETING=stored', '-d', repo.dir], { env })).code, 0);
    const deployed = await runCli(['deploy', '-d', repo.dir], { env, timeoutMs: 120_000 });
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const dozen = startCli(['start', '--release', '--no-color', '--no-timestamp', '-d', repo.dir, '-p', String(await kernelFreePort())], { env });
    await dozen.waitForOutput(/worker\.1 +\| release greeting=stored/);
    repo.write({ '.env': 'GREETING=edited\n', Procfile: `worker: echo "edited"; exec ${child} ready\n` });
    const r = await runCli(['restart', '-d', repo.dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /re-read/);
    await dozen.waitForOutput(/worker\.1 +\| release greeting=stored[^]*worker\.1 +\| release greeting=stored/);
    assert.doesNotMatch(dozen.stdout(), /edited/);
    dozen.signal('SIGTERM');
    await dozen.exited(30_000);
  } finally {
    repo.cleanup();
  }
});
