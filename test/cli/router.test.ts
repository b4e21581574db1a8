// `dozen start --router` end to end: the built CLI, real web processes on their own ports, the
// router on one port in front of them. Balancing, the request lines in the output and the store,
// `dozen ps`, a port in use, and zero failed requests under load while web is restarted (one and
// two instances), while a replacement fails its health check, and while a deploy switches releases.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { gitApp, gitTestEnv } from '../releases/git-app.js';
import { startLoad } from '../router/load.js';
import { killAllStarted, repoRoot, runCli, shellWord, startCli, tempApp, type Running } from './helpers.js';

const WEB = join(repoRoot, 'dist/test/fixtures/router-web.js');
const T = { timeout: 120_000 };

after(() => killAllStarted());

function get(port: number, path = '/'): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Waits until the router answers 200 from `count` different instances. */
async function serving(port: number, count: number, timeoutMs = 30_000): Promise<Set<string>> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  while (Date.now() < deadline) {
    const answer = await get(port);
    if (answer?.status === 200) seen.add(answer.body.split(' ')[0]!);
    if (seen.size >= count) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`the router did not serve ${count} instances within ${timeoutMs} ms (saw ${[...seen].join(', ')})`);
}

async function startRouted(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ dozen: Running; router: number; base: number }> {
  const router = await kernelFreePort();
  const base = await kernelFreePort();
  const dozen = startCli(['start', '-d', dir, '-p', String(base), '--router', `127.0.0.1:${router}`, '--no-color', ...args], { timeoutMs: 110_000, env });
  return { dozen, router, base };
}

test('balances over 3 web instances, logs each request as router, and ps shows the router', T, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\nworker: sleep 1000\n` });
  try {
    const { dozen, router } = await startRouted(app.dir, ['-m', 'web=3,worker=1']);
    await serving(router, 3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const who = (await get(router, `/n?i=${i}`))?.body.split(' ')[0] ?? 'failed';
      counts.set(who, (counts.get(who) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), ['web.1', 'web.2', 'web.3']);
    for (const [who, n] of counts) assert.ok(n >= 8 && n <= 12, `${who} served ${n} of 30`);

    await dozen.waitForOutput(/router +\| at=info method=GET path="\/n\?i=29" host=127\.0\.0\.1:\d+ request_id=[0-9a-f-]{36} fwd="127\.0\.0\.1" dyno=web\.\d connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=http/);
    const ps = await runCli(['ps', '-d', app.dir]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^router +http:\/\/127\.0\.0\.1:\d+ .*\d+ requests/m);
    const json = await runCli(['ps', '--json', '-d', app.dir]);
    assert.equal(json.code, 0, json.stderr);
    // `ps --json` stays an array of instances (scripts read it); the router is in the control API's status.
    assert.ok(Array.isArray(JSON.parse(json.stdout)));

    // Lines reach the store under the name router (the store commits every 250 ms).
    const deadline = Date.now() + 10_000;
    let logs = '';
    while (Date.now() < deadline) {
      logs = (await runCli(['logs', '--ps', 'router', '-d', app.dir])).stdout;
      if (logs.includes('path="/n?i=29"')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(logs, /dozen\[router\]: at=info .*path="\/n\?i=29".*status=200/);
    dozen.signal('SIGTERM');
    assert.equal((await dozen.exited(20_000)).code, 143);
  } finally {
    app.cleanup();
  }
});

test('a router port in use stops the start with one line, before anything runs', T, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const port = (taken.address() as { port: number }).port;
    const r = await runCli(['start', '-d', app.dir, '--router', String(port), '--no-color']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`--router 127\\.0\\.0\\.1:${port}: cannot listen: the port is already in use`));
    assert.doesNotMatch(r.stdout + r.stderr, /listening on|at Server|\n\s+at /);
    const noWeb = await tempApp({ Procfile: 'worker: sleep 1000\n' });
    try {
      const w = await runCli(['start', '-d', noWeb.dir, '--router', '0', '--no-color']);
      assert.notEqual(w.code, 0);
      assert.match(w.stderr, /--router: .*Procfile has no web process to route to/);
    } finally {
      noWeb.cleanup();
    }
  } finally {
    taken.close();
    app.cleanup();
  }
});

for (const instances of [1, 2]) {
  test(`zero failed requests under load while web=${instances} is restarted twice`, T, async () => {
    const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
    try {
      // The app drops what is in flight on SIGTERM: only the router's drain saves those requests.
      const { dozen, router } = await startRouted(app.dir, ['-m', `web=${instances}`, '-t', '10'], { ABRUPT: '1' });
      await serving(router, instances);
      const load = startLoad(router, { connections: 8, pauseMs: 15 });
      // Some requests in flight are slow: the old instance must finish them before it is stopped.
      const slow = [get(router, '/slow?ms=700'), get(router, '/slow?ms=700')];
      await new Promise((r) => setTimeout(r, 300));
      for (let round = 0; round < 2; round++) {
        const restart = await runCli(['restart', 'web', '-d', app.dir], { timeoutMs: 60_000 });
        assert.equal(restart.code, 0, restart.stdout + restart.stderr);
        await new Promise((r) => setTimeout(r, 300));
      }
      const result = await load.stop();
      for (const s of await Promise.all(slow)) assert.equal(s?.status, 200, 'a slow request in flight during the restart was answered');
      assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.ok + result.failures.length} requests failed`);
      assert.ok(result.ok > 100, `only ${result.ok} requests were made`);
      assert.match(dozen.stdout(), /web\.1: generation 3 is ready/, 'each restart replaced web.1 beside the old one');
      dozen.signal('SIGTERM');
      await dozen.exited(20_000);
    } finally {
      app.cleanup();
    }
  });
}

test('a replacement that fails its health check never gets a request; the old one keeps serving and restart exits 1', T, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
  try {
    const healthy = app.path('healthy');
    writeFileSync(healthy, '');
    const { dozen, router } = await startRouted(app.dir, ['--health-path', '/health', '--boot-timeout', '3'], { HEALTH_OK: healthy });
    await serving(router, 1);
    const [before] = [...(await serving(router, 1))];
    const pidBefore = (await get(router))?.body.split(' ')[2];
    // The next generation will answer 503 on /health: it must never be routed to.
    const { unlinkSync } = await import('node:fs');
    unlinkSync(healthy);
    const load = startLoad(router, { connections: 4, pauseMs: 20 });
    const restart = await runCli(['restart', 'web', '-d', app.dir], { timeoutMs: 60_000 });
    const result = await load.stop();
    assert.equal(restart.code, 1, restart.stdout + restart.stderr);
    assert.match(restart.stderr, /web\.1 was not replaced: .*health.*the old one keeps serving/);
    assert.deepEqual(result.failures, []);
    assert.equal(before, 'web.1');
    assert.equal((await get(router))?.body.split(' ')[2], pidBefore, 'the old generation still serves');
    dozen.signal('SIGTERM');
    await dozen.exited(20_000);
  } finally {
    app.cleanup();
  }
});

test('zero failed requests while a deploy, a config set and a rollback switch a running release behind the router', { timeout: 180_000 }, async () => {
  const server = (version: string) =>
    `require('http').createServer((q, s) => { q.resume(); s.end(process.env.PS + ' ${version}\\n'); }).listen(process.env.PORT, '127.0.0.1');\n` +
    `process.on('SIGTERM', () => process.exit(0));\n`;
  const files = (version: string) => ({
    Procfile: 'web: node server.js\n',
    'server.js': server(version),
    'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true })}\n`,
    'package-lock.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'shop', version: '1.0.0' } } })}\n`,
  });
  const repo = gitApp(files('one'));
  const env = gitTestEnv() as Record<string, string>;
  const dozen = (args: string[]) => runCli([...args, '-d', repo.dir], { env, timeoutMs: 120_000 });
  try {
    assert.equal((await dozen(['deploy'])).code, 0);
    const router = await kernelFreePort();
    const base = await kernelFreePort();
    const running = startCli(['start', '--release', '-d', repo.dir, '-p', String(base), '-m', 'web=2', '--router', String(router), '--no-color'], { env, timeoutMs: 170_000 });
    await serving(router, 2);
    const load = startLoad(router, { connections: 8, pauseMs: 15 });
    repo.commit(files('two'));
    const deploy = await dozen(['deploy']);
    assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
    const afterDeploy = (await get(router))?.body.trim();
    const set = await dozen(['config', 'set', 'COLOUR=blue']);
    assert.equal(set.code, 0, set.stdout + set.stderr);
    const rollback = await dozen(['rollback', 'v1']);
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    const afterRollback = (await get(router))?.body.trim();
    const result = await load.stop();
    assert.match(afterDeploy ?? '', / two$/);
    assert.match(afterRollback ?? '', / one$/);
    assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.ok + result.failures.length} requests failed`);
    running.signal('SIGTERM');
    await running.exited(20_000);
  } finally {
    repo.cleanup();
  }
});
