// `dozen restart --surge` end to end: a real `dozen start`, a real web process bound to $PORT,
// the built CLI. The replacement is accepting on its own port before the old one is signalled,
// a ready web.1 exists at every moment, and `dozen ps --json` shows both generations meanwhile.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../../src/control/client.js';
import type { InstanceInfo } from '../../src/control/protocol.js';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { killAllStarted, repoRoot, runCli, shellWord, startCli, tempApp, type TempApp } from './helpers.js';

const WEB = join(repoRoot, 'dist/test/control/fixtures/surge-web.js');

after(() => killAllStarted());

/** The control socket's status, cheaply (no CPU sample); undefined while it does not answer. */
async function status(app: TempApp): Promise<InstanceInfo[] | undefined> {
  try {
    const client = await ControlClient.connect(join(app.dir, '.dozen', 'control.sock'), 2000);
    try {
      return (await client.call({ method: 'status', params: { cpuSampleMs: 0 } })).instances;
    } finally {
      client.close();
    }
  } catch {
    return undefined;
  }
}

/** Polls until `ok` holds; bounded, failing with the last status seen. */
async function until(app: TempApp, ok: (rows: InstanceInfo[]) => boolean, what: string, timeoutMs = 30_000): Promise<InstanceInfo[]> {
  const deadline = Date.now() + timeoutMs;
  let last: InstanceInfo[] | undefined;
  while (Date.now() < deadline) {
    last = await status(app);
    if (last && ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

const servingWeb1 = (rows: InstanceInfo[]) => rows.some((r) => r.name === 'web.1' && r.state === 'running' && r.ready);

/** `dozen start` of the one-web app, once web.1 is ready: its events file, the hold file, web.1's row. */
async function startWeb(app: TempApp, base: number, extra: string[] = []) {
  const events = app.path('events.log');
  const hold = app.path('hold');
  writeFileSync(events, '');
  const dozen = startCli(['start', '-d', app.dir, '-p', String(base), ...extra], { timeoutMs: 100_000, env: { EVENTS: events, HOLD: hold } });
  const [first] = await until(app, servingWeb1, 'web.1 ready');
  return { dozen, events, hold, first };
}

test('restart --surge: the new generation accepts on its port before the old one is signalled, with a ready web.1 throughout', { timeout: 90_000 }, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
  try {
    const base = await kernelFreePort();
    const { dozen, events, hold, first } = await startWeb(app, base);
    assert.equal(first?.port, base);

    // Hold the replacement before it listens, to look at both generations.
    writeFileSync(hold, '');
    const restart = runCli(['restart', '--surge', 'web', '-d', app.dir], { timeoutMs: 60_000 });
    let finished = false;
    void restart.finally(() => (finished = true));
    const both = await until(app, (rows) => rows.filter((r) => r.name === 'web.1').length === 2, 'a second generation of web.1');

    const ps = await runCli(['ps', '--json', '-d', app.dir]);
    assert.equal(ps.code, 0, ps.stderr);
    const shown = (JSON.parse(ps.stdout) as InstanceInfo[]).map((r) => [r.name, r.generation, r.role, r.state, r.ready]);
    assert.deepEqual(shown, [
      ['web.1', 1, 'member', 'running', true],
      ['web.1', 2, 'incoming', 'starting', false],
    ]);
    const incoming = both.find((r) => r.role === 'incoming');
    assert.ok(incoming?.port !== null && incoming?.port !== undefined && incoming.port !== base, `a port of its own: ${JSON.stringify(both)}`);

    // Release it, and watch the whole overlap: some generation of web.1 is ready at every look.
    unlinkSync(hold);
    const seen: InstanceInfo[][] = [];
    while (!finished) {
      const rows = await status(app);
      if (rows) seen.push(rows);
    }
    const result = await restart;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^web\.1 restarted \(pid \d+ -> \d+\)\n$/);
    assert.ok(seen.length > 0, 'the rollout was watched');
    const gap = seen.find((rows) => !servingWeb1(rows));
    assert.equal(gap, undefined, `a moment without a ready web.1: ${JSON.stringify(gap)}`);

    const [now] = await until(app, (rows) => rows.length === 1 && servingWeb1(rows), 'one generation left');
    assert.deepEqual([now?.generation, now?.port, now?.role], [2, incoming.port, 'member']);
    // What the processes themselves wrote, in the order it happened.
    const lines = () => readFileSync(events, 'utf8').trim().split('\n');
    await until(app, () => lines().length >= 3, 'the old generation to report its SIGTERM');
    assert.deepEqual(
      lines().map((l) => l.split(' ').slice(0, 2).join(' ')),
      [`listen ${base}`, `listen ${incoming.port}`, `sigterm ${base}`],
    );
    assert.equal(existsSync(hold), false);

    dozen.signal('SIGTERM');
    const exit = await dozen.exited(20_000);
    assert.equal(exit.code, 143, exit.stderr); // stopped by a signal, as the shell reports it
  } finally {
    killAllStarted();
    await app.cleanup();
  }
});

test('restart --surge of a replacement that never listens fails, names why, and leaves the old one serving', { timeout: 120_000 }, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
  try {
    const { hold, first } = await startWeb(app, await kernelFreePort(), ['--boot-timeout', '2']);
    writeFileSync(hold, ''); // the replacement never gets past it
    const restart = await runCli(['restart', '--surge', 'web.1', '-d', app.dir], { timeoutMs: 60_000 });
    assert.equal(restart.code, 1, restart.stdout + restart.stderr);
    assert.match(restart.stderr, /web\.1 was not replaced: the new instance did not accept connections on port \d+ within 2 s; the old one keeps serving/);
    const rows = await until(app, (r) => r.length === 1, 'the replacement removed');
    assert.deepEqual(rows.map((r) => [r.name, r.generation, r.pid, r.state, r.ready]), [['web.1', 1, first?.pid, 'running', true]]);
  } finally {
    killAllStarted();
    await app.cleanup();
  }
});

test('restart --surge against a dozen that does not announce surges is refused before anything restarts', { timeout: 30_000 }, async () => {
  const app = await tempApp({ Procfile: 'web: true\n' });
  const { claimControlSocket } = await import('../../src/control/claim.js');
  const { attachControlServer } = await import('../../src/control/server.js');
  const { ensureStateDir } = await import('../../src/platform/state-dir.js');
  const { FakeSupervisor, spec } = await import('../control/fake-supervisor.js');
  const claim = await claimControlSocket(ensureStateDir(app.dir), { version: '0.0.9' });
  try {
    const sup = new FakeSupervisor([spec('web.1', 5000)]);
    attachControlServer(sup, { stateDir: ensureStateDir(app.dir) });
    delete claim.endpoint.info.features; // as a dozen from before surges answers hello
    const restart = await runCli(['restart', '--surge', 'web', '-d', app.dir]);
    assert.equal(restart.code, 69, restart.stdout + restart.stderr);
    assert.match(restart.stderr, /^dozen: the running dozen \(pid \d+, version 0\.0\.9\) cannot restart --surge; restart it with this version\n/);
    assert.deepEqual(sup.calls, [], 'nothing was restarted');
  } finally {
    await claim.release();
    await app.cleanup();
  }
});
