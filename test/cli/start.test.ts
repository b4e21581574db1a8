// End to end: the built CLI's `dozen start` in temp apps with real processes and real signals.
import { after, afterEach, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { groupMembers } from '../../src/platform/proc.js';
import { assertAllGone, CHILD, childCommand, Gates } from '../fixtures/harness.js';
import { hasProgram, killAllStarted, runCli, startCli, startCliInPty, tempApp, type CliResult, type Running, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

async function app(procfile: string, files: Record<string, string> = {}): Promise<TempApp> {
  const a = await tempApp({ Procfile: procfile, ...files });
  apps.push(a);
  return a;
}

/** Every pid the output mentions: `started pid N`, and the fixture's `pid N` / `grandchild N`. */
function pidsIn(output: string): number[] {
  return [...output.matchAll(/(?:started pid|\| pid|\| grandchild) (\d+)/g)].map((m) => Number(m[1]));
}

/** Runs to the end; fails with the output if it takes longer than the bound. */
async function exitOf(run: Running, timeoutMs = 20_000) {
  return run.exited(timeoutMs);
}

test('release first, then the formation; the first exit stops it with its code', { timeout: 60_000 }, async (t) => {
  // worker.1 exits once web.1 has its SIGTERM handler.
  const webReady = Gates.for(t).path('web-ready');
  const a = await app(
    `release: echo migrating\nweb: ${childCommand('pid', 'trap-term:100', 'ready', `touch:${webReady}`)}\nworker: ${childCommand('pid', `wait-file:${webReady}`, 'line:done', 'exit:3')}\n`,
  );
  const result = await runCli(['start', '--no-timestamp', '-d', a.dir], { timeoutMs: 30_000 });
  assert.equal(result.code, 3, result.stdout + result.stderr);
  const out = result.stdout;
  assert.match(out, /^release {2}\| migrating$/m);
  assert.ok(out.indexOf('release  | migrating') < out.indexOf('web.1 started'), out);
  assert.match(out, /^dozen {4}\| web\.1 started pid \d+ on port 5000$/m);
  assert.match(out, /^dozen {4}\| worker\.1 exited with code 3$/m);
  assert.match(out, /^dozen {4}\| worker\.1 exited with code 3\ndozen {4}\| worker\.1 is not in --can-die: sending SIGTERM to all processes$/m);
  assert.match(out, /^web\.1 {4}\| got SIGTERM$/m);
  await assertAllGone(pidsIn(out), 500);
});

test('a failing release aborts with its code; --no-release skips it', { timeout: 60_000 }, async () => {
  const a = await app(`release: echo nope >&2; exit 5\nweb: echo web ran\n`);
  const failed = await runCli(['start', '--no-timestamp', '-d', a.dir]);
  assert.equal(failed.code, 5, failed.stdout + failed.stderr);
  assert.match(failed.stdout, /^release +! nope$/m);
  assert.doesNotMatch(failed.stdout, /web ran/);
  assert.match(failed.stdout, /release exited with code 5\n.*the release phase failed: not starting the processes/);

  const skipped = await runCli(['start', '--no-timestamp', '--no-release', '-d', a.dir]);
  assert.equal(skipped.code, 0, skipped.stdout + skipped.stderr);
  assert.match(skipped.stdout, /^web\.1 \| web ran$/m);
  assert.doesNotMatch(skipped.stdout, /nope/);
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${signal} to dozen stops every process group and exits ${code}`, { timeout: 60_000 }, async () => {
    const a = await app(`web: ${childCommand('pid', 'trap-term:200', 'grandchild', 'ready')}\nshell: sh -c 'sleep 1000 & wait'\n`);
    const run = startCli(['start', '--no-timestamp', '-d', a.dir]);
    await run.waitForOutput(/web\.1 +\| ready/);
    await run.waitForOutput(/shell\.1 started pid/);
    run.signal(signal);
    const result = await exitOf(run);
    assert.equal(result.code, code, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`received ${signal}: sending SIGTERM to all processes`));
    assert.match(result.stdout, /^web\.1 +\| got SIGTERM$/m);
    await assertAllGone(pidsIn(result.stdout), 500);
  });
}

test('a process ignoring SIGTERM is SIGKILLed after -t; a second signal SIGKILLs at once', { timeout: 60_000 }, async () => {
  const a = await app(`stubborn: ${childCommand('pid', 'ignore-term', 'ready')}\n`);
  const timed = startCli(['start', '--no-timestamp', '-t', '1', '-d', a.dir]);
  await timed.waitForOutput(/stubborn\.1 \| ready/);
  timed.signal('SIGTERM');
  const result = await exitOf(timed);
  assert.equal(result.code, 143);
  assert.match(result.stdout, /stubborn\.1 did not stop within 1 s: sending SIGKILL/);
  assert.match(result.stdout, /stubborn\.1 did not stop within [^]*stubborn\.1 was killed with SIGKILL$/m);
  await assertAllGone(pidsIn(result.stdout), 500);

  const twice = startCli(['start', '--no-timestamp', '-t', '60', '-d', a.dir]);
  await twice.waitForOutput(/stubborn\.1 \| ready/);
  twice.signal('SIGINT');
  await twice.waitForOutput(/dozen +\| Ctrl-C again forces the stop \(SIGKILL at once\)/);
  await twice.waitForOutput(/stubborn\.1 \| ignoring SIGTERM/);
  twice.signal('SIGINT');
  const forced = await exitOf(twice, 10_000);
  assert.equal(forced.code, 130);
  assert.match(forced.stdout, /sending SIGKILL to all processes\n(?:.*\n)*.*stubborn\.1 was killed with SIGKILL\n/);
  assert.doesNotMatch(forced.stdout, /stop timeout/);
  await assertAllGone(pidsIn(forced.stdout), 500);
});

test('Ctrl-C at a terminal reaches dozen only; dozen stops the children once', { timeout: 60_000, skip: !hasProgram('script') && 'needs util-linux script' }, async () => {
  const a = await app(`web: ${childCommand('pid', 'trap-term:100', 'ready')}\n`);
  const run = startCliInPty(['start', '--no-timestamp', '--no-color', '-d', a.dir]);
  await run.waitForOutput(/web\.1 \| ready/);
  run.write('\x03');
  const result = await exitOf(run);
  assert.equal(result.code, 130, result.stdout);
  assert.equal(result.stdout.match(/got SIGTERM/g)?.length, 1, result.stdout);
  assert.match(result.stdout, /received SIGINT: sending SIGTERM to all processes/);
});

test('after kill -9 of dozen, no process it started survives (children and grandchildren)', { timeout: 60_000 }, async () => {
  const a = await app(
    `web: ${childCommand('pid', 'grandchild', 'ready')}\nshell: sh -c 'sleep 1000 & wait'\nstubborn: ${childCommand('pid', 'ignore-term', 'ready')}\n`,
  );
  const run = startCli(['start', '--no-timestamp', '-d', a.dir]);
  await run.waitForOutput(/web\.1 +\| grandchild \d+/);
  await run.waitForOutput(/stubborn\.1 +\| ready/);
  await run.waitForOutput(/shell\.1 started pid/);
  const pids = pidsIn(run.stdout());
  // sh leaders, fixture pids and the grandchild from the output; the shell's background sleep from /proc.
  const shellLeader = Number(run.stdout().match(/shell\.1 started pid (\d+)/)![1]);
  const shellGroup = groupMembers(shellLeader);
  assert.ok(shellGroup.length >= 2, `shell group: ${shellGroup}`);
  run.signal('SIGKILL');
  const result = await exitOf(run);
  assert.equal(result.signal, 'SIGKILL');
  await assertAllGone([...pids, ...shellGroup], 1_500);
});

/** dozen's resident memory once `idle=N` instances have started. */
async function rssWith(a: TempApp, n: number): Promise<{ rssKb: number; run: Running }> {
  const run = startCli(['start', '--no-timestamp', '-m', `idle=${n}`, '-d', a.dir]);
  await run.waitForOutput(new RegExp(`idle\\.${n} started pid \\d+`), 30_000);
  const rssKb = Number(readFileSync(`/proc/${run.pid}/status`, 'latin1').match(/^VmRSS:\s+(\d+) kB$/m)![1]);
  return { rssKb, run };
}

test('100 instances start and stop cleanly; 99 more instances cost dozen little memory', { timeout: 90_000 }, async () => {
  const a = await app('idle: sleep 1000\n');
  const one = await rssWith(a, 1);
  one.run.signal('SIGTERM');
  assert.equal((await exitOf(one.run)).code, 143);

  const { rssKb, run } = await rssWith(a, 100);
  const pids = pidsIn(run.stdout());
  assert.equal(pids.length, 100);
  run.signal('SIGTERM');
  const result = await exitOf(run, 30_000);
  assert.equal(result.code, 143, result.stdout.slice(-2000) + result.stderr);
  assert.equal(result.stdout.match(/was terminated by SIGTERM/g)?.length, 100);
  await assertAllGone(pids, 500);
  const growthMb = (rssKb - one.rssKb) / 1024;
  assert.ok(growthMb < 20, `RSS with 1 instance ${Math.round(one.rssKb / 1024)} MB, with 100 ${Math.round(rssKb / 1024)} MB`);
});

/** `dozen start` where ok, bad and worse exit in that order, each once dozen has reported the one before. */
async function canDieRun(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const gates = Gates.for(t);
  const exitWhenLet = (gate: string, code: number) => childCommand(`wait-file:${gates.path(gate)}`, `exit:${code}`);
  const a = await app(`ok: exit 0\nbad: ${exitWhenLet('bad', 4)}\nworse: ${exitWhenLet('worse', 6)}\n`);
  const run = startCli(['start', '--no-timestamp', ...args, '-d', a.dir], { env });
  await run.waitForOutput(/ok\.1 exited with code 0/);
  gates.open('bad');
  await run.waitForOutput(/bad\.1 exited with code 4/);
  gates.open('worse');
  return exitOf(run);
}

test('--can-die lets those exit; dozen exits when none is left, with the first failure', { timeout: 60_000 }, async (t) => {
  const result = await canDieRun(t, ['--can-die', 'ok,bad,worse']);
  assert.equal(result.code, 4, result.stdout + result.stderr);
  assert.doesNotMatch(result.stdout, /sending SIGTERM/);
  const env = await canDieRun(t, [], { DOZEN_CAN_DIE: 'ok,bad,worse' });
  assert.equal(env.code, 4, 'DOZEN_CAN_DIE works like --can-die');
});

test('--restart on-failure restarts with backoff', { timeout: 60_000 }, async () => {
  const a = await app('flaky: echo attempt; exit 1\n');
  const run = startCli(['start', '--no-timestamp', '--restart', 'on-failure', '-d', a.dir]);
  await run.waitForOutput(/flaky\.1 restarting in 2 s \(attempt 2\)/, 15_000);
  run.signal('SIGTERM');
  const result = await exitOf(run);
  assert.equal(result.code, 143);
  assert.match(result.stdout, /flaky\.1 restarting in 1 s \(attempt 1\)/);
  const runs = result.stdout.match(/flaky\.1 started pid/g)?.length ?? 0;
  assert.ok(runs >= 2, result.stdout);
  assert.equal(result.stdout.match(/flaky\.1 \| attempt/g)?.length, runs, 'every run was printed');
});

test('bad flag values are usage errors naming the valid values', { timeout: 30_000 }, async () => {
  const a = await app('web: sleep 1\n');
  const cases: Array<[string[], RegExp]> = [
    [['--restart', 'sometimes'], /--restart: expected one of never, on-failure, always, got "sometimes"/],
    [['-t', 'soon'], /-t\/--timeout: expected a number of seconds, got "soon"/],
    [['--can-die', 'wbe'], /--can-die: unknown process type "wbe": expected one of web/],
    [['--stop-signal', 'SIGNOPE'], /--stop-signal: expected a signal name/],
    [['foo'], /^dozen: unknown process type "foo": expected one of web\n$/],
    [['release'], /^dozen: unknown process type "release": expected one of web\. .*"dozen run release"/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(['start', '-d', a.dir, ...args]);
    assert.equal(result.code, 2, `${args}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test('--no-prefix prints the apps\' bytes as they are, dozen\'s lines on stderr', { timeout: 30_000 }, async () => {
  const a = await app(`web: node ${CHILD} line:hello partial:tail exit:0\n`);
  const result = await runCli(['start', '--no-prefix', '-d', a.dir]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'hello\ntail\n');
  assert.match(result.stderr, /web\.1 exited with code 0/);
});

test('before the first spawn: a port another program holds is reported, a free one is watched until it accepts', { timeout: 60_000 }, async (t) => {
  const held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  const heldPort = (held.address() as AddressInfo).port;
  try {
    // busy gets the held port (-p), web the next one, free. Both exit once web.1 was reported
    // listening: busy.1's port accepted from the start, so a watch on it would have fired first.
    const gates = Gates.for(t);
    const a = await app(`busy: ${childCommand(`wait-file:${gates.path('done')}`, 'exit:0')}\nweb: ${childCommand('listen', `wait-file:${gates.path('done')}`, 'exit:0')}\n`);
    const run = startCli(['start', '--no-timestamp', '--no-color', '-d', a.dir, '-p', String(heldPort), '-m', 'busy=1,web=1', '--can-die', 'busy,web']);
    await run.waitForOutput(/web\.1 listening on/);
    gates.open('done');
    const result = await exitOf(run, 30_000);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const out = result.stdout;
    assert.match(out, new RegExp(`port ${heldPort} is already in use by another program: busy\\.1 will not be able to listen on it`));
    assert.match(out, new RegExp(`web\\.1 listening on :${heldPort + 100} after \\d+ ms`));
    assert.doesNotMatch(out, /busy\.1 listening/);
  } finally {
    held.close();
  }
});
