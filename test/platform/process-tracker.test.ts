// The tracker with real processes: group members born late, daemons that call setsid or
// setpgid (a double fork whose middle exits among them), found by their cookie, signalled with
// their group, and keeping it live until they are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CgroupTree } from '../../src/platform/cgroup-tree.js';
import { enterCgroup } from '../../src/platform/group-spawner.js';
import { COOKIE_VARIABLE, DescendantScanner, findCookie, parseStatIds } from '../../src/platform/descendants.js';
import { groupMembers, isPidAlive } from '../../src/platform/proc.js';
import { ProcessTracker, type Escapee } from '../../src/platform/process-tracker.js';
import { assertAllGone, waitUntil } from '../fixtures/harness.js';

test('findCookie finds the variable at the start or after a NUL, never inside another value', () => {
  const prefix = Buffer.from(`${COOKIE_VARIABLE}=abc.`);
  const env = (...vars: string[]) => Buffer.from(vars.join('\0') + '\0');
  assert.equal(findCookie(env('DOZEN_INSTANCE=abc.3', 'PATH=/bin'), prefix), 'abc.3');
  assert.equal(findCookie(env('PATH=/bin', 'DOZEN_INSTANCE=abc.12'), prefix), 'abc.12');
  assert.equal(findCookie(env('X=DOZEN_INSTANCE=abc.1', 'Y=2'), prefix), undefined);
  assert.equal(findCookie(env('X=DOZEN_INSTANCE=abc.1', 'DOZEN_INSTANCE=abc.7'), prefix), 'abc.7');
  assert.equal(findCookie(env('DOZEN_INSTANCE=other.1'), prefix), undefined);
  assert.equal(findCookie(Buffer.from('DOZEN_INSTANCE=abc.9'), prefix), 'abc.9');
  assert.equal(findCookie(Buffer.alloc(0), prefix), undefined);
});

test('parseStatIds reads group and session after the last parenthesis', () => {
  assert.deepEqual(parseStatIds('123 (a b) c)) S 1 456 789 0 -1'), { state: 'S', pgid: 456, sid: 789 });
  assert.equal(parseStatIds('garbage'), undefined);
});

function killQuietly(pid: number, group = false): void {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

test('a group member born after the first scan keeps the group live; only zombies left is empty', { timeout: 10_000 }, async () => {
  // No cookie in its environment: found by its session alone (a member that cleared its environment).
  const child = spawn('/bin/sh', ['-c', 'read go; sleep 1000 & echo $!; wait'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
  const pgid = child.pid!;
  const tracker = new ProcessTracker();
  tracker.track(pgid, tracker.newCookie());
  try {
    assert.deepEqual(tracker.liveGroups([pgid]), new Set([pgid]));
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stdin.write('go\n');
    const job = Number(await waitUntil(() => out.match(/^(\d+)\n/)?.[1], 'the background pid', 5_000, () => out));
    process.kill(pgid, 'SIGKILL'); // only the shell: the job, born after the first scan, remains
    await waitUntil(() => !isPidAlive(pgid), 'the shell to die', 5_000, () => `${pgid} is alive`);
    await waitUntil(() => tracker.liveGroups([pgid]).has(pgid), 'the job to keep the group live', 1_000, () => 'group seen empty');
    process.kill(job, 'SIGKILL');
    await waitUntil(() => tracker.liveGroups([pgid]).size === 0, 'the group to be empty', 5_000, () => `members of group ${pgid}: ${groupMembers(pgid).join(', ')}`);
  } finally {
    tracker.dispose();
    killQuietly(pgid, true);
  }
});

// A run whose shell starts three daemons: `setsid` (a session of its own), a double fork whose
// middle exits (re-parented to PID 1, in a new session), and `setpgid` (a new group, same session).
const DAEMONS = [
  'setsid sleep 1001 &',
  '(setsid sh -c "sleep 1002 & exit" &)',
  `perl -e 'setpgrp(0, 0); exec "sleep", "1003"' &`,
  'echo started',
  'exec sleep 1000',
].join('\n');

test('daemons are found by their cookie, reported once each, signalled with their group, and keep it live', { timeout: 15_000 }, async () => {
  const escapes: Escapee[] = [];
  const tracker = new ProcessTracker({ onEscape: (e) => escapes.push(e) });
  const cookie = tracker.newCookie();
  assert.match(cookie, new RegExp(`^${tracker.token}\\.1$`));
  const child = spawn('/bin/sh', ['-c', DAEMONS], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, [COOKIE_VARIABLE]: cookie } });
  const pgid = child.pid!;
  tracker.track(pgid, cookie);
  // Another run of this dozen, and a process with a cookie of another dozen: neither is this run's.
  const otherRun = tracker.newCookie();
  const other = spawn('/bin/sh', ['-c', 'setsid sleep 1004 & exec sleep 1005'], { detached: true, stdio: 'ignore', env: { ...process.env, [COOKIE_VARIABLE]: otherRun } });
  const stranger = spawn('/bin/sh', ['-c', 'exec setsid sleep 1006'], { stdio: 'ignore', env: { ...process.env, [COOKIE_VARIABLE]: 'feedfacefeedface.1' } });
  tracker.track(other.pid!, otherRun);
  const seen: number[] = [];
  try {
    const fmt = () => escapes.map((e) => `${e.pid} ${e.how} ${e.command} (of ${e.pgid})`).join('\n');
    // The tracker's own poll finds them (250 ms after the spawn, then less often).
    await waitUntil(() => escapes.filter((e) => e.pgid === pgid).length === 3, 'three escapes reported', 5_000, fmt);
    const mine = escapes.filter((e) => e.pgid === pgid).sort((a, b) => a.command.localeCompare(b.command));
    assert.deepEqual(mine.map((e) => [e.command, e.how]), [['sleep 1001', 'setsid'], ['sleep 1002', 'setsid'], ['sleep 1003', 'setpgid']], fmt());
    seen.push(...mine.map((e) => e.pid));
    assert.deepEqual(tracker.escaped(pgid).sort(), seen.slice().sort());
    assert.equal(escapes.filter((e) => e.pgid === other.pid).length, 1, fmt());
    assert.ok(!escapes.some((e) => e.command === 'sleep 1006'), 'another dozen’s cookie is not ours');
    // Said once, however many scans see it.
    for (let i = 0; i < 3; i++) tracker.liveGroups([pgid]);
    await new Promise((resolve) => setImmediate(resolve));
    tracker.liveGroups([pgid]);
    assert.equal(escapes.filter((e) => e.pgid === pgid).length, 3);

    // The leader's group dies: the daemons keep the run live until the tracker signals them too.
    process.kill(-pgid, 'SIGKILL');
    await assertAllGone([pgid]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(tracker.liveGroups([pgid]), new Set([pgid]));
    tracker.signal(pgid, 'SIGTERM');
    await assertAllGone(seen);
    await waitUntil(() => tracker.liveGroups([pgid]).size === 0, 'the run to be over', 2_000, () => tracker.escaped(pgid).join(', '));
    assert.ok(isPidAlive(other.pid!), 'the other run is left alone');
  } finally {
    tracker.dispose();
    for (const pid of seen) killQuietly(pid);
    killQuietly(pgid, true);
    for (const e of escapes) killQuietly(e.pid);
    killQuietly(other.pid!, true);
    killQuietly(stranger.pid!);
  }
});

test('a scan reads each process once: later scans skip the ones that are not ours', () => {
  const scanner = new DescendantScanner('0123456789abcdef');
  scanner.scan(new Set());
  // Nothing of ours runs: the second scan reads no stat and no environ (only the listing).
  const started = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) scanner.scan(new Set());
  const perScanMs = Number(process.hrtime.bigint() - started) / 1e6 / 20;
  assert.ok(perScanMs < 25, `a scan of known processes took ${perScanMs.toFixed(2)} ms`);
});

const cgroups = CgroupTree.open({ name: `dozen-tracker-${process.pid}` });

test('with a cgroup: a process that cleared its environment and left its session is found, said, SIGKILLed with the run, and its leaf removed', { skip: cgroups === undefined ? 'no cgroup2 subtree may be created here' : false, timeout: 15_000 }, async () => {
  const escapes: Escapee[] = [];
  const tracker = new ProcessTracker({ onEscape: (e) => escapes.push(e), cgroups });
  const cookie = tracker.newCookie();
  const leaf = tracker.cgroupFor(cookie);
  assert.ok(leaf !== undefined && existsSync(leaf), 'a leaf for the run');
  assert.equal(tracker.cgroupRoot, cgroups?.root);
  // No cookie in its environment at all: only the cgroup can find the daemon.
  const child = spawn('/bin/sh', ['-c', enterCgroup(leaf, 'env -i setsid sleep 1007 &\necho started\nexec sleep 1000')], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: {} });
  const pgid = child.pid!;
  tracker.track(pgid, cookie);
  const seen: number[] = [pgid];
  try {
    assert.equal(tracker.methodOf(pgid), 'cgroup');
    const fmt = () => escapes.map((e) => `${e.pid} ${e.how} ${e.command}`).join('\n');
    const [escape] = await waitUntil(() => (escapes.length === 1 ? escapes : undefined), 'the escape reported', 5_000, fmt);
    seen.push(escape!.pid);
    assert.deepEqual([escape!.command, escape!.how, escape!.pgid], ['sleep 1007', 'setsid', pgid]);
    assert.deepEqual(tracker.escaped(pgid), [escape!.pid]);
    process.kill(-pgid, 'SIGKILL');
    await assertAllGone([pgid]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(tracker.liveGroups([pgid]), new Set([pgid]), 'the daemon keeps the run live');
    tracker.signal(pgid, 'SIGKILL');
    await assertAllGone(seen);
    await waitUntil(() => tracker.liveGroups([pgid]).size === 0, 'the run to be over', 2_000, () => tracker.escaped(pgid).join(', '));
    tracker.untrack(pgid);
    assert.ok(!existsSync(leaf), 'the leaf is removed');
  } finally {
    tracker.dispose();
    for (const pid of seen) killQuietly(pid);
    killQuietly(pgid, true);
  }
  assert.ok(!existsSync(cgroups!.root), 'dozen’s folder is removed');
});

test('a run the kernel refuses to move is tracked by its cookie, and so are the next ones', () => {
  const calls: string[] = [];
  // A tree whose moves are refused (EACCES on cgroup.procs, as in a foreign cgroup).
  const refusing = {
    root: '/cg/dozen-1',
    leaf: (n: number) => (calls.push(`leaf ${n}`), `/cg/dozen-1/${n}`),
    enter: (leaf: string) => (calls.push(`enter ${leaf}`), false),
    remove: (leaf: string) => void calls.push(`remove ${leaf}`),
    procs: () => [],
    kill: () => false,
    dispose: () => void calls.push('dispose'),
  } as unknown as CgroupTree;
  const tracker = new ProcessTracker({ cgroups: refusing });
  const first = tracker.newCookie();
  assert.equal(tracker.cgroupFor(first), '/cg/dozen-1/1');
  tracker.track(4_000_001, first);
  assert.equal(tracker.methodOf(4_000_001), 'cookie');
  const second = tracker.newCookie();
  assert.equal(tracker.cgroupFor(second), undefined, 'no leaf once refused');
  tracker.dispose();
  assert.deepEqual(calls, ['leaf 1', 'enter /cg/dozen-1/1', 'remove /cg/dozen-1/1', 'dispose']);
});
