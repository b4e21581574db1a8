// End to end: processes that leave their process group (setsid, setpgid, a double fork whose
// middle exits) are stopped with their instance by every way dozen stops, counted by `dozen ps`,
// said once each, and killed by the watchdog after a SIGKILL of dozen; dozen exits once the
// formation is gone, whatever still holds its pipes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isPidAlive } from '../../src/platform/proc.js';
import { assertAllGone, waitUntil } from '../fixtures/harness.js';
import { cleanUpAfterEachTest, cliEnvDefaults, runCli, startCli, tempApp, type Running, type TempApp } from './helpers.js';

// The method that needs no privilege: the environment cookie alone, even where dozen could use
// cgroups (test/cli/cgroups.test.ts covers those).
cliEnvDefaults.DOZEN_CGROUP = 'off';

const { apps, seen } = cleanUpAfterEachTest();

async function app(procfile: string, files: Record<string, string> = {}): Promise<TempApp> {
  const a = await tempApp({ Procfile: procfile, ...files });
  apps.push(a);
  return a;
}

/**
 * Three daemons and the foreground program: `setsid` (a session of its own), a double fork whose
 * middle exits (re-parented to PID 1, in a new session), `setpgid` (a new group of the session).
 */
const DAEMONS = `setsid sleep 1001 & (setsid sh -c 'sleep 1002 & exit' &); perl -e 'setpgrp(0, 0); exec "sleep", "1003"' & exec sleep 1000`;

const LEFT = /(\S+): pid (\d+) \((sleep \d+)\) left its process group \((setsid|setpgid)\); dozen will stop it with \1$/gm;

/** The pids dozen said left their group, once `count` of them were said. */
async function daemonsOf(run: Running, count: number, instance = 'd.1'): Promise<number[]> {
  const said = () => [...run.stdout().matchAll(LEFT)].filter((m) => m[1] === instance);
  await waitUntil(() => said().length >= count, `${count} daemons of ${instance} said`, 10_000, () => run.stdout());
  const pids = said().map((m) => Number(m[2]));
  for (const pid of pids) seen.add(pid);
  return pids;
}

function startedPids(output: string): number[] {
  const pids = [...output.matchAll(/started pid (\d+)/g)].map((m) => Number(m[1]));
  for (const pid of pids) seen.add(pid);
  return pids;
}

async function startDaemons(extra: string[] = []): Promise<{ a: TempApp; run: Running; daemons: number[] }> {
  const a = await app(`d: ${DAEMONS}\n`);
  const run = startCli(['start', '--no-timestamp', '--no-log-store', ...extra, '-d', a.dir]);
  const daemons = await daemonsOf(run, 3);
  const kinds = [...run.stdout().matchAll(LEFT)].map((m) => `${m[3]} ${m[4]}`).sort();
  assert.deepEqual(kinds, ['sleep 1001 setsid', 'sleep 1002 setsid', 'sleep 1003 setpgid'], run.stdout());
  return { a, run, daemons };
}

for (const how of ['SIGTERM', 'SIGINT twice', 'quit'] as const) {
  test(`${how}: the daemons are stopped with their instance and dozen exits at once`, { timeout: 30_000 }, async () => {
    const { a, run, daemons } = await startDaemons(['-t', '20']);
    const asked = Date.now();
    if (how === 'quit') {
      const quit = await runCli(['quit', '-d', a.dir]);
      assert.equal(quit.code, 0, quit.stderr);
      assert.match(quit.stdout, /stopped/);
    } else if (how === 'SIGTERM') {
      run.signal('SIGTERM');
    } else {
      run.signal('SIGINT');
      run.signal('SIGINT');
    }
    const result = await run.exited(10_000);
    // The daemons die of SIGTERM (or SIGKILL) at once: nothing waits for the 20 s stop timeout.
    assert.ok(Date.now() - asked < 5_000, `dozen took ${Date.now() - asked} ms to exit`);
    assert.equal(result.code, how === 'quit' ? 0 : how === 'SIGTERM' ? 143 : 130, result.stdout + result.stderr);
    await assertAllGone([...daemons, ...startedPids(result.stdout)]);
  });
}

test('dozen stop: the daemons stop with their instance, the others run on', { timeout: 30_000 }, async () => {
  const a = await app(`d: ${DAEMONS}\ne: setsid sleep 1004 & exec sleep 1005\n`);
  const run = startCli(['start', '--no-timestamp', '--no-log-store', '-d', a.dir]);
  const daemons = await daemonsOf(run, 3);
  const others = await daemonsOf(run, 1, 'e.1');
  const stop = await runCli(['stop', 'd', '-d', a.dir]);
  assert.equal(stop.code, 0, stop.stderr);
  await assertAllGone(daemons);
  assert.ok(others.every((pid) => isPidAlive(pid)), 'e.1 and its daemon run on');
  const quit = await runCli(['quit', '-d', a.dir]);
  assert.equal(quit.code, 0, quit.stderr);
  const result = await run.exited(10_000);
  await assertAllGone([...others, ...startedPids(result.stdout)]);
});

test('dozen restart leaves no daemon of the old run behind; ps counts the daemons in their instance', { timeout: 60_000 }, async () => {
  const { a, run, daemons } = await startDaemons();
  const processes = async () => {
    const ps = await runCli(['ps', '--json', '-d', a.dir]);
    assert.equal(ps.code, 0, ps.stderr);
    return (JSON.parse(ps.stdout) as Array<{ name: string; processes: number }>).find((r) => r.name === 'd.1')?.processes;
  };
  // The foreground sleep and three daemons (one re-parented to PID 1, out of its tree).
  assert.equal(await processes(), 4);
  let old = daemons;
  for (let i = 1; i <= 3; i++) {
    const restart = await runCli(['restart', 'd', '-d', a.dir]);
    assert.equal(restart.code, 0, restart.stderr);
    await assertAllGone(old);
    old = await daemonsOf(run, 3 * (i + 1));
    old = old.slice(3 * i);
    assert.equal(await processes(), 4, `after restart ${i}`);
  }
  const quit = await runCli(['quit', '-d', a.dir]);
  assert.equal(quit.code, 0, quit.stderr);
  const result = await run.exited(10_000);
  await assertAllGone([...old, ...startedPids(result.stdout)]);
});

test('after kill -9 of dozen, the watchdog kills the daemons too', { timeout: 30_000 }, async () => {
  const { run, daemons } = await startDaemons();
  const started = startedPids(run.stdout());
  run.signal('SIGKILL');
  const result = await run.exited(10_000);
  assert.equal(result.signal, 'SIGKILL');
  await assertAllGone([...daemons, ...started]);
});

test('the formation gone, dozen exits within the grace even if a process out of reach holds its pipes', { timeout: 30_000 }, async () => {
  // `env -i` clears the cookie and setsid leaves the group: nothing can find it (the documented limit).
  const a = await app(`web: env -i setsid sh -c 'echo hidden $$; exec sleep 1000' & exec sleep 1000\n`);
  const run = startCli(['start', '--no-timestamp', '--no-log-store', '-d', a.dir]);
  const hidden = Number((await run.waitForOutput(/hidden (\d+)/))[1]);
  seen.add(hidden);
  const asked = Date.now();
  run.signal('SIGTERM');
  const result = await run.exited(10_000);
  assert.equal(result.code, 143, result.stdout + result.stderr);
  // The stop itself is immediate; the output grace is one second.
  assert.ok(Date.now() - asked < 4_000, `dozen took ${Date.now() - asked} ms to exit`);
  assert.ok(isPidAlive(hidden), 'the hidden process really was out of reach');
});

/** Live pids whose environment holds `NAME=value` (own-user processes). */
function processesWith(assignment: string): number[] {
  const needle = Buffer.from(assignment);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      const at = environ.indexOf(needle);
      if (at !== -1 && (at === 0 || environ[at - 1] === 0) && isPidAlive(Number(entry))) pids.push(Number(entry));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH' && code !== 'EACCES') throw err;
    }
  }
  return pids;
}

/**
 * SIGKILL of dozen at a random moment of a 100-instance start (the release phase in every other
 * run): afterwards no process of the app may live. DOZEN_ORPHAN_RUNS=50 for the long version.
 */
const RUNS = Number(process.env.DOZEN_ORPHAN_RUNS ?? 8);

test(`kill -9 of dozen during a 100-instance start orphans nothing (${RUNS} runs)`, { timeout: 15_000 + RUNS * 5_000 }, async () => {
  const orphans: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const mark = `ORPHAN_MARK=${process.pid}-${i}-${Date.now()}`;
    const release = i % 2 === 1 ? 'release: sleep 0.2\n' : '';
    const a = await app(`${release}a: sleep 1000\n`, { '.env': `${mark}\n` });
    const run = startCli(['start', '--no-timestamp', '--no-log-store', '-m', 'a=100', '-d', a.dir]);
    // Killed 0-400 ms after dozen's first line: during the release phase or the spawns.
    await run.waitForOutput(/running the release phase|a\.1 started/, 15_000);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 400)));
    run.signal('SIGKILL');
    await run.exited(10_000);
    const left = await waitUntil(() => processesWith(mark).length === 0 || undefined, 'no process of the app', 2_000, () => '').catch(() => undefined);
    if (left === undefined) {
      const pids = processesWith(mark);
      for (const pid of pids) seen.add(pid);
      orphans.push(`run ${i}: ${pids.join(', ')} after ${run.stdout().match(/started pid/g)?.length ?? 0} spawns`);
    }
    await a.cleanup();
  }
  assert.deepEqual(orphans, [], `orphans in ${orphans.length} of ${RUNS} runs`);
});
