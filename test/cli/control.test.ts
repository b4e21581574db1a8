// `dozen ps / restart / stop / scale / quit` end to end: the built CLI, a real `dozen start` on a
// temp app, real processes and real HTTP. Every wait is bounded; everything started is killed.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ControlClient } from '../../src/control/client.js';
import type { InstanceInfo } from '../../src/control/protocol.js';
import { groupMembers } from '../../src/platform/proc.js';
import { waitUntil } from '../fixtures/harness.js';
import { isAlive, killAllStarted, repoRoot, runCli, shellWord, startCli, tempApp, type Running, type TempApp } from './helpers.js';

const WEB = join(repoRoot, 'dist/test/control/fixtures/http-web.js');
const CHILD = join(repoRoot, 'dist/test/fixtures/child.js');
const T = { timeout: 90_000 };

const procfile = [
  // Appends a line each time it runs: a refused second start must not run it.
  'release: echo released >> released.log',
  `web: node ${shellWord(WEB)}`,
  `worker: node ${shellWord(CHILD)} pid trap-term:100 ready`,
  '',
].join('\n');

/** A base port P with P..P+3 and P+100..P+101 free (web.1..4 and worker.1..2). */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 300) * 100;
    const ports = [base, base + 1, base + 2, base + 3, base + 100, base + 101];
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** GET / on 127.0.0.1:port: the body, or undefined if nothing answered within the bound. */
function httpGet(port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

const socketOf = (app: TempApp) => join(app.dir, '.dozen', 'control.sock');

/** Polls the control socket until `ok(instances)`; bounded, with the last answer in the error. */
async function waitForStatus(app: TempApp, ok: (rows: InstanceInfo[]) => boolean, what: string, timeoutMs = 30_000): Promise<InstanceInfo[]> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'no answer';
  while (Date.now() < deadline) {
    try {
      const client = await ControlClient.connect(socketOf(app), 2000);
      try {
        const { server, instances } = await client.call({ method: 'status', params: { cpuSampleMs: 0 } });
        last = instances;
        if (server.phase === 'running' && ok(instances)) return instances;
      } finally {
        client.close();
      }
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

const allUp = (rows: InstanceInfo[]) => rows.length > 0 && rows.every((r) => r.state === 'running' && (r.type !== 'web' || r.ready));

async function psJson(app: TempApp): Promise<InstanceInfo[]> {
  const ps = await runCli(['ps', '--json', '-d', app.dir]);
  assert.equal(ps.code, 0, ps.stderr);
  return JSON.parse(ps.stdout) as InstanceInfo[];
}

const row = (rows: InstanceInfo[], name: string) => rows.find((r) => r.name === name) as InstanceInfo;

/** The process group of a pid, from /proc. */
function pgrpOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Waits until no live process is left in any of these groups (bounded); names the survivors otherwise. */
async function waitGroupsGone(pgids: number[], timeoutMs = 10_000): Promise<void> {
  const alive = () => pgids.flatMap((g) => groupMembers(g));
  await waitUntil(() => alive().length === 0, `no live process in groups ${pgids.join(', ')}`, timeoutMs, () => `still alive: ${alive().join(', ')}`);
}

describe('a running formation, controlled from the command line', { timeout: 240_000 }, () => {
  let app: TempApp;
  let base: number;
  let dozen: Running;
  /** Every instance group seen, so that the end can check none survives. */
  const groups = new Set<number>();
  const note = (rows: InstanceInfo[]) => rows.forEach((r) => r.pid !== null && groups.add(r.pid));

  before(async () => {
    app = await tempApp({ Procfile: procfile });
    base = await freeBasePort();
    dozen = startCli(['start', '-d', app.dir, '-p', String(base), '-m', 'web=2,worker=1'], { timeoutMs: 120_000 });
    note(await waitForStatus(app, (rows) => rows.length === 3 && allUp(rows), 'web.1, web.2 and worker.1 up'));
  });

  after(async () => {
    killAllStarted();
    await app?.cleanup();
  });

  test('ps --json: names, types, formula ports, and pids that lead the processes serving them', T, async () => {
    const rows = await psJson(app);
    assert.deepEqual(
      rows.map((r) => [r.name, r.type, r.state, r.port]),
      [['web.1', 'web', 'running', base], ['web.2', 'web', 'running', base + 1], ['worker.1', 'worker', 'running', base + 100]],
    );
    for (const name of ['web.1', 'web.2']) {
      const r = row(rows, name);
      assert.equal(r.ready, true);
      const [ps, appPid] = (await httpGet(r.port as number))?.split(' ') ?? [];
      assert.equal(ps, name);
      // The server is the instance's process or runs in its process group.
      assert.equal(pgrpOf(Number(appPid)), r.pid);
      assert.ok(r.rssBytes !== null && r.rssBytes > 1024 * 1024, `rss ${r.rssBytes}`);
      assert.ok(r.cpuPercent !== null && r.cpuPercent >= 0);
      assert.ok(r.processes >= 1);
      assert.ok(r.uptimeMs !== null && r.uptimeMs >= 0);
      assert.equal(r.restarts, 0);
    }
    const worker = row(rows, 'worker.1');
    assert.equal(worker.ready, false, 'the worker does not listen on its PORT');
    assert.ok(worker.pid !== null && isAlive(worker.pid));
  });

  test('ps: a table with a header and a row per instance', T, async () => {
    const ps = await runCli(['ps', '-d', app.dir]);
    assert.equal(ps.code, 0, ps.stderr);
    const lines = ps.stdout.trimEnd().split('\n');
    assert.match(lines[0] as string, /^NAME\s+STATE\s+PID\s+PORT\s+READY\s+UPTIME\s+RESTARTS\s+CPU%\s+RSS\s+LAST EXIT$/);
    assert.match(lines[1] as string, new RegExp(`^web\\.1\\s+running\\s+\\d+\\s+${base}\\s+yes\\s+\\d+[smhd]`));
    assert.match(lines[3] as string, new RegExp(`^worker\\.1\\s+running\\s+\\d+\\s+${base + 100}\\s+no\\s`));
    assert.equal(lines.length, 4);
  });

  test('the state folder is 0700 and the socket 0600', T, () => {
    assert.equal(statSync(join(app.dir, '.dozen')).mode & 0o777, 0o700);
    assert.ok(statSync(socketOf(app)).isSocket());
    assert.equal(statSync(socketOf(app)).mode & 0o777, 0o600);
  });

  test('a second dozen start for the same app is refused, naming the pid, before running anything', T, async () => {
    const second = await runCli(['start', '-d', app.dir, '-p', String(base), '-m', 'web=2,worker=1']);
    assert.equal(second.code, 69, second.stderr);
    assert.match(second.stderr, new RegExp(`dozen is already running for this app \\(pid ${dozen.pid}\\)`));
    assert.equal(readFileSync(app.path('released.log'), 'utf8'), 'released\n', 'the release phase ran once, for the first start');
  });

  test('restart web.1: a new pid, the same port, serving again', T, async () => {
    const before = row(await psJson(app), 'web.1');
    const restart = await runCli(['restart', 'web.1', '-d', app.dir]);
    assert.equal(restart.code, 0, restart.stderr);
    const after = row(await psJson(app), 'web.1');
    note([after]);
    assert.match(restart.stdout, new RegExp(`^web\\.1 restarted \\(pid ${before.pid} -> ${after.pid}\\)\\n$`));
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.port, base);
    assert.equal(after.state, 'running');
    assert.equal(after.restarts, 1);
    const [ps, appPid] = (await httpGet(base))?.split(' ') ?? [];
    assert.equal(ps, 'web.1');
    assert.equal(pgrpOf(Number(appPid)), after.pid);
  });

  test('dozen restart web: at every moment one of the two web instances answers', T, async () => {
    const before = await psJson(app);
    const restart = runCli(['restart', 'web', '-d', app.dir], { timeoutMs: 60_000 });
    let finished = false;
    void restart.finally(() => (finished = true));
    const rounds: Array<[string | undefined, string | undefined]> = [];
    while (!finished && rounds.length < 5000) rounds.push(await Promise.all([httpGet(base), httpGet(base + 1)]));
    const result = await restart;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(rounds.length > 0);
    const dark = rounds.filter(([a, b]) => a === undefined && b === undefined).length;
    assert.equal(dark, 0, `${dark} of ${rounds.length} rounds had neither web instance answering`);
    const after = await psJson(app);
    note(after);
    for (const name of ['web.1', 'web.2']) assert.notEqual(row(after, name).pid, row(before, name).pid, `${name} was restarted`);
    assert.equal(row(after, 'worker.1').pid, row(before, 'worker.1').pid, 'the worker was left alone');
  });

  test('stop worker keeps it stopped; restart worker brings it back', T, async () => {
    const before = row(await psJson(app), 'worker.1');
    const stop = await runCli(['stop', 'worker', '-d', app.dir]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, `worker.1 stopped (was pid ${before.pid})\n`);
    const stopped = row(await psJson(app), 'worker.1');
    assert.deepEqual([stopped.state, stopped.pid, stopped.cpuPercent], ['stopped', null, null]);
    await waitGroupsGone([before.pid as number]);
    // Still stopped a moment later: nothing restarts it behind our back.
    assert.equal(row(await psJson(app), 'worker.1').state, 'stopped');

    const restart = await runCli(['restart', 'worker', '-d', app.dir]);
    assert.equal(restart.code, 0, restart.stderr);
    const back = row(await psJson(app), 'worker.1');
    note([back]);
    assert.equal(back.state, 'running');
    assert.ok(back.pid !== null && back.pid !== before.pid && isAlive(back.pid));
  });

  test('scale up: new instances on the ports of the formula; down: the highest-numbered go first', T, async () => {
    const up = await runCli(['scale', 'web=4', '-d', app.dir]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout, `web.3 started on port ${base + 2}\nweb.4 started on port ${base + 3}\n`);
    note(await waitForStatus(app, (rows) => rows.length === 5 && allUp(rows), 'web.3 and web.4 ready'));
    assert.equal((await httpGet(base + 2))?.split(' ')[0], 'web.3');
    assert.equal((await httpGet(base + 3))?.split(' ')[0], 'web.4');

    const down = await runCli(['scale', 'web=1', 'worker=2', '-d', app.dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(
      down.stdout,
      `web.4 stopped and removed\nweb.3 stopped and removed\nweb.2 stopped and removed\nworker.2 started on port ${base + 101}\n`,
    );
    const rows = await waitForStatus(app, (r) => r.length === 3 && allUp(r), 'web.1, worker.1 and worker.2 up');
    note(rows);
    assert.deepEqual(rows.map((r) => [r.name, r.port]), [['web.1', base], ['worker.1', base + 100], ['worker.2', base + 101]]);
    for (const port of [base + 1, base + 2, base + 3]) assert.equal(await httpGet(port), undefined, `port ${port} no longer served`);
    assert.equal((await httpGet(base))?.split(' ')[0], 'web.1');
  });

  test('a pattern or a scale that names nothing: an error listing what there is, nothing done', T, async () => {
    const restart = await runCli(['restart', 'web.9', '-d', app.dir]);
    assert.equal(restart.code, 2);
    assert.equal(restart.stderr, 'dozen: "web.9" matched no instance (instances: web.1, worker.1, worker.2)\n');
    const scale = await runCli(['scale', 'db=2', '-d', app.dir]);
    assert.equal(scale.code, 78);
    assert.match(scale.stderr, /^dozen: .*"db=2".*valid types: web, worker/);
  });

  test('the commands read no .env: a broken one does not stop them', T, async () => {
    await app.write('.env', 'THIS IS NOT ( AN ENV FILE\n');
    const check = await runCli(['check', '-d', app.dir]);
    assert.notEqual(check.code, 0, 'the file really is broken');
    const ps = await runCli(['ps', '-d', app.dir]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^web\.1\s+running/m);
  });

  test('quit stops every process and dozen itself', T, async () => {
    const quit = await runCli(['quit', '-d', app.dir]);
    assert.equal(quit.code, 0, quit.stderr);
    assert.equal(quit.stdout, `dozen (pid ${dozen.pid}) stopped\n`);
    const end = await dozen.exited(30_000);
    assert.equal(end.code, 0, end.stderr);
    await waitGroupsGone([...groups]);
    assert.equal(existsSync(socketOf(app)), false, 'the socket is removed');
    const ps = await runCli(['ps', '-d', app.dir]);
    assert.equal(ps.code, 69);
    assert.equal(ps.stderr, `dozen: no running dozen for ${app.dir} (no control socket at ${socketOf(app)})\n`);
  });
});

describe('a dozen that was killed', { timeout: 120_000 }, () => {
  let app: TempApp;
  afterEach(() => killAllStarted());
  after(async () => app?.cleanup());

  test('leaves a stale socket that the next start replaces, saying so; the .gitignore hint comes once', T, async () => {
    app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
    await mkdir(app.path('.git')); // inside a repository whose .gitignore does not list .dozen/
    const base = await freeBasePort();
    const first = startCli(['start', '-d', app.dir, '-p', String(base)], { timeoutMs: 60_000 });
    const rows = await waitForStatus(app, allUp, 'web.1 up');
    await first.waitForOutput(/add "\.dozen\/" to .*\.gitignore/, 10_000);
    // An attachment's notice is one of dozen's lines: printed by the printer, tagged dozen.
    assert.match(first.stdout(), /dozen\s+\| add "\.dozen\/" to /);

    first.signal('SIGKILL');
    await first.exited(10_000);
    await waitGroupsGone(rows.map((r) => r.pid as number)); // the no-orphan guard took the children down
    assert.ok(statSync(socketOf(app)).isSocket(), 'the socket file is left behind');

    const ps = await runCli(['ps', '-d', app.dir]);
    assert.equal(ps.code, 69);
    assert.equal(ps.stderr, `dozen: no running dozen for ${app.dir} (nothing listens on the stale control socket ${socketOf(app)})\n`);

    const second = startCli(['start', '-d', app.dir, '-p', String(base)], { timeoutMs: 60_000 });
    await second.waitForOutput(/replaced a stale control socket at \S*control\.sock/, 20_000);
    await waitForStatus(app, allUp, 'web.1 up again');
    assert.equal((await httpGet(base))?.split(' ')[0], 'web.1');
    assert.doesNotMatch(second.stdout() + second.stderr(), /\.gitignore/, 'the hint is given once');

    const quit = await runCli(['quit', '-d', app.dir]);
    assert.equal(quit.code, 0, quit.stderr);
    assert.equal((await second.exited(30_000)).code, 0);
    assert.match(second.stdout(), /dozen\s+\| replaced a stale control socket/);
    // ...and stored once, with dozen's other lines.
    const logs = await runCli(['logs', '-d', app.dir, '--source', 'dozen', '-n', '1000']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout.split('replaced a stale control socket').length - 1, 1, logs.stdout);
  });
});

describe('DOZEN_STATE_DIR moves the state folder, for start and for the commands alike', { timeout: 60_000 }, () => {
  let app: TempApp;
  afterEach(() => killAllStarted());
  after(async () => app?.cleanup());

  test('start, ps and quit meet at $DOZEN_STATE_DIR/control.sock', T, async () => {
    app = await tempApp({ Procfile: `worker: node ${shellWord(CHILD)} ready\n` });
    const env = { DOZEN_STATE_DIR: app.path('elsewhere/state') };
    const base = await freeBasePort();
    const dozen = startCli(['start', '-d', app.dir, '-p', String(base)], { env, timeoutMs: 60_000 });
    await dozen.waitForOutput(/worker\.1 \| ready/, 20_000);
    assert.equal(statSync(app.path('elsewhere/state')).mode & 0o777, 0o700);
    assert.equal(statSync(app.path('elsewhere/state/control.sock')).mode & 0o777, 0o600);
    assert.equal(existsSync(app.path('.dozen')), false);

    const ps = await runCli(['ps', '--json', '-d', app.dir], { env });
    assert.equal(ps.code, 0, ps.stderr);
    assert.deepEqual((JSON.parse(ps.stdout) as InstanceInfo[]).map((r) => [r.name, r.state]), [['worker.1', 'running']]);
    const lost = await runCli(['ps', '-d', app.dir]);
    assert.equal(lost.code, 69, 'without the variable, the commands look in .dozen/');

    const quit = await runCli(['quit', '-d', app.dir], { env });
    assert.equal(quit.code, 0, quit.stderr);
    assert.equal((await dozen.exited(30_000)).code, 0);
  });
});
