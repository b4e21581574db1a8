// End to end, where dozen may create a cgroup v2 subtree (root, a delegated unit, a container
// that owns its cgroup): a process that clears its environment and leaves its session, which the
// cookie cannot find, is stopped with its instance by `dozen stop`, `quit`, SIGTERM and the
// watchdog after a SIGKILL of dozen, and dozen's cgroups are removed. Skipped, with the reason,
// where cgroups cannot be used (the cookie's tests still run: test/cli/daemons.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CgroupTree, findCgroup2Mount } from '../../src/platform/cgroup-tree.js';
import { isPidAlive } from '../../src/platform/proc.js';
import { assertAllGone, waitUntil } from '../fixtures/harness.js';
import { cleanUpAfterEachTest, runCli, startCli, tempApp, type Running, type TempApp } from './helpers.js';

/** Why cgroups cannot be used here, or undefined: dozen's own probe, then a real move. */
function cgroupsUnusable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  const tree = CgroupTree.open({ name: `dozen-test-${process.pid}` });
  if (tree === undefined) return 'no cgroup2 subtree may be created here (not mounted, or not writable by this user)';
  const probe = spawn('sleep', ['5'], { stdio: 'ignore' });
  try {
    const leaf = tree.leaf(1);
    if (leaf === undefined) return 'cannot create a leaf cgroup';
    if (!tree.enter(leaf, probe.pid ?? -1)) return 'the kernel refuses to move a process into a leaf cgroup';
    return undefined;
  } finally {
    probe.kill('SIGKILL');
    // The probe leaves the leaf once it is gone; then the leaf and the folder can go.
    void new Promise((resolve) => probe.once('exit', resolve)).then(() => tree.dispose());
  }
}

const skip = cgroupsUnusable() ?? false;

const { apps, seen } = cleanUpAfterEachTest();

/**
 * `env -i` drops the cookie, `setsid` leaves the group and the session: out of the cookie's reach.
 * It says its pid itself, so once it is said it has escaped (the cookie may catch it before).
 */
const HIDDEN = `env -i setsid sh -c 'echo hidden $$; exec sleep 1000' & exec sleep 1000`;

async function startHidden(extra: Record<string, string> = {}): Promise<{ a: TempApp; run: Running; hidden: number; started: number[] }> {
  const a = await tempApp({ Procfile: `d: ${HIDDEN}\ne: sleep 1000\n` });
  apps.push(a);
  const run = startCli(['start', '--no-timestamp', '--no-log-store', '-t', '20', '-d', a.dir], { env: extra });
  const hidden = Number((await run.waitForOutput(/hidden (\d+)/))[1]);
  seen.add(hidden);
  await run.waitForOutput(/e\.1 started pid \d+/);
  const started = [...run.stdout().matchAll(/started pid (\d+)/g)].map((m) => Number(m[1]));
  for (const pid of started) seen.add(pid);
  return { a, run, hidden, started };
}

/** The folder of dozen's cgroups, as the hidden process's /proc/PID/cgroup shows it. */
function dozenCgroupOf(pid: number): string {
  const path = readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1] ?? '';
  const mount = findCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  assert.ok(mount, 'a cgroup2 mount');
  const match = path.match(/^(.*\/dozen-\d+)\/\d+$/);
  assert.ok(match, `pid ${pid} is in a leaf of dozen's cgroup, got "${path}"`);
  return `${mount.mountPoint}${match[1]?.slice(mount.root === '/' ? 0 : mount.root.length)}`;
}

for (const how of ['SIGTERM', 'SIGINT twice', 'quit', 'SIGKILL'] as const) {
  test(`${how}: a process that cleared its environment and left its session is stopped with its instance`, { skip, timeout: 30_000 }, async () => {
    const { a, run, hidden, started } = await startHidden();
    const folder = dozenCgroupOf(hidden);
    assert.ok(existsSync(folder));
    // Found through the cgroup, it is said like any daemon.
    await run.waitForOutput(new RegExp(`d\\.1: pid ${hidden} \\([^\\n]*\\) left its process group \\(setsid\\)`));
    const asked = Date.now();
    if (how === 'quit') {
      const quit = await runCli(['quit', '-d', a.dir]);
      assert.equal(quit.code, 0, quit.stderr);
    } else if (how === 'SIGINT twice') {
      run.signal('SIGINT');
      run.signal('SIGINT');
    } else {
      run.signal(how);
    }
    const result = await run.exited(10_000);
    if (how === 'SIGKILL') assert.equal(result.signal, 'SIGKILL');
    else assert.equal(result.code, { quit: 0, SIGTERM: 143, 'SIGINT twice': 130 }[how], result.stdout + result.stderr);
    await assertAllGone([hidden, ...started]);
    // Nothing waited for the 20 s stop timeout.
    assert.ok(Date.now() - asked < 5_000, `took ${Date.now() - asked} ms`);
    await waitUntil(() => !existsSync(folder), `${folder} removed`, 2_000, () => folder);
  });
}

test('dozen stop: the hidden process stops with its instance, whose leaf is removed; ps counts it', { skip, timeout: 30_000 }, async () => {
  const { a, run, hidden, started } = await startHidden();
  const folder = dozenCgroupOf(hidden);
  const leaf = readFileSync(`/proc/${hidden}/cgroup`, 'utf8').match(/\/(\d+)\n/)?.[1];
  const ps = await runCli(['ps', '--json', '-d', a.dir]);
  assert.equal(ps.code, 0, ps.stderr);
  const rows = JSON.parse(ps.stdout) as Array<{ name: string; processes: number }>;
  assert.equal(rows.find((r) => r.name === 'd.1')?.processes, 2, ps.stdout);
  const stop = await runCli(['stop', 'd', '-d', a.dir]);
  assert.equal(stop.code, 0, stop.stderr);
  await assertAllGone([hidden]);
  await waitUntil(() => !existsSync(`${folder}/${leaf}`), 'the leaf removed', 2_000, () => `${folder}/${leaf}`);
  const e = started.at(-1) ?? -1;
  assert.ok(isPidAlive(e), 'e.1 runs on');
  const quit = await runCli(['quit', '-d', a.dir]);
  assert.equal(quit.code, 0, quit.stderr);
  await run.exited(10_000);
  await assertAllGone(started);
  await waitUntil(() => !existsSync(folder), `${folder} removed`, 2_000, () => folder);
});

test('dozen restart: the hidden process of the old run is gone, the new run has its own leaf', { skip, timeout: 30_000 }, async () => {
  const { a, run, hidden, started } = await startHidden();
  const leafOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1];
  const oldLeaf = leafOf(hidden);
  const restart = await runCli(['restart', 'd', '-d', a.dir]);
  assert.equal(restart.code, 0, restart.stderr);
  await assertAllGone([hidden]);
  const hiddenPids = () => [...run.stdout().matchAll(/hidden (\d+)/g)].map((m) => Number(m[1]));
  const second = await waitUntil(() => hiddenPids()[1], 'a second hidden process', 10_000, () => run.stdout());
  seen.add(second);
  assert.notEqual(leafOf(second), oldLeaf);
  const quit = await runCli(['quit', '-d', a.dir]);
  assert.equal(quit.code, 0, quit.stderr);
  const result = await run.exited(10_000);
  await assertAllGone([second, ...started, ...[...result.stdout.matchAll(/started pid (\d+)/g)].map((m) => Number(m[1]))]);
});

test('DOZEN_CGROUP=off: the same process is out of reach (what the cgroup adds)', { skip, timeout: 30_000 }, async () => {
  const { run, hidden } = await startHidden({ DOZEN_CGROUP: 'off' });
  assert.doesNotMatch(readFileSync(`/proc/${hidden}/cgroup`, 'utf8'), /dozen-\d+/);
  run.signal('SIGTERM');
  const result = await run.exited(10_000);
  assert.equal(result.code, 143, result.stdout + result.stderr);
  assert.ok(isPidAlive(hidden), 'the hidden process survived the cookie-only stop');
});
