// End to end: the log store recovers. A full disk stops storing with one notice, and storing
// resumes (saying how many lines were not stored) once there is room again; a 0-byte logs.db, what
// a full disk leaves, is set aside and the spool is read.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { killAllStarted, runCli, startCli, tempApp, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

async function app(procfile: string): Promise<TempApp> {
  const a = await tempApp({ Procfile: procfile });
  apps.push(a);
  return a;
}

test('a 0-byte logs.db (a full disk) is set aside and the spool is read', { timeout: 60_000 }, async () => {
  const a = await app('web: echo line-in-the-spool\n');
  const run = await runCli(['start', '-d', a.dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(existsSync(a.path('.dozen/logs.spool')) && !existsSync(a.path('.dozen/logs.db')));
  writeFileSync(a.path('.dozen/logs.db'), '');
  const past = new Date(Date.now() - 60_000);
  utimesSync(a.path('.dozen/logs.db'), past, past);
  const logs = await runCli(['logs', '-d', a.dir]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /app\[web\.1\]: line-in-the-spool/);
  assert.match(logs.stderr, /warning: log store: .*logs\.db was empty \(a full disk leaves it so\); moved it to .*logs\.db\.damaged/);
  assert.ok(existsSync(a.path('.dozen/logs.db.damaged')));
  // Once set aside, it stays so: the next read is quiet.
  const again = await runCli(['logs', '-d', a.dir]);
  assert.equal(again.stderr, '');
  assert.match(again.stdout, /line-in-the-spool/);
});

const isRoot = process.getuid?.() === 0;

const TICKER = `web: i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.02; done\n`;

/**
 * Runs dozen start on TICKER with its state folder on a 1 MiB tmpfs, fills the tmpfs once `ready`
 * says so, waits for `full` (the store's notice), frees the space; resolves with what follows.
 */
async function fillAndFree(opts: { ready?: (state: string) => Promise<void>; full: RegExp; procfile?: string }) {
  const a = await app(opts.procfile ?? TICKER);
  const mnt = a.path('mnt');
  mkdirSync(mnt);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, mounted.stderr);
  const state = `${mnt}/state`;
  const run = startCli(['start', '--no-timestamp', '--no-color', '-d', a.dir], { env: { DOZEN_STATE_DIR: state } });
  const unmount = () => spawnSync('umount', ['-l', mnt]);
  try {
    await run.waitForOutput(/tick 5\b/);
    await opts.ready?.(state);
    spawnSync('sh', ['-c', `cat /dev/zero > ${mnt}/filler`]); // fills the tmpfs
    await run.waitForOutput(opts.full);
    rmSync(`${mnt}/filler`);
  } catch (err) {
    unmount();
    throw err;
  }
  return { a, run, state, unmount };
}

test('a full disk: one notice, then storing resumes once there is room, saying how many lines were not stored', { timeout: 90_000, skip: !isRoot && 'needs root to mount a small tmpfs' }, async () => {
  const { a, run, state, unmount } = await fillAndFree({
    full: /log store: cannot write .*logs\.spool: no space left on the device; lines are not stored until there is room \(retrying\)/,
  });
  try {
    const [resumed] = await run.waitForOutput(/log store: storing again; (\d+) lines were not stored \(cannot write .*no space left on the device\)/, 45_000);
    const lost = Number(/(\d+) lines were not/.exec(resumed)?.[1]);
    assert.ok(lost > 0, resumed);
    // A line the app wrote after storing resumed.
    const later = (await run.waitForOutput(/storing again[^\n]*\n[\s\S]*?web\.1 \| (tick \d+)\n/))[1];
    run.signal('SIGTERM');
    const result = await run.exited();
    assert.equal(result.code, 143, result.stdout);
    assert.equal(result.stdout.match(/lines are not stored until there is room/g)?.length, 1, 'said once');
    assert.doesNotMatch(result.stdout, /log store stopped/);
    const logs = await runCli(['logs', '-n', '100000', '-d', a.dir], { env: { DOZEN_STATE_DIR: state } });
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /dozen\[dozen\]: log store: storing again/);
    assert.match(logs.stdout, new RegExp(`app\\[web\\.1\\]: ${later}$`, 'm'));
  } finally {
    unmount();
  }
});

test("a full disk under the writer thread (a follower makes every batch go to SQLite): SQLITE_FULL is retried the same way", { timeout: 90_000, skip: !isRoot && 'needs root to mount a small tmpfs' }, async () => {
  let follower: ReturnType<typeof startCli> | undefined;
  const { run, unmount } = await fillAndFree({
    // Lines of 2 KiB: SQLite's write-ahead log must grow (a reused one would take small batches on a full disk).
    procfile: `web: pad=$(printf '%02048d' 0); i=0; while :; do i=$((i+1)); echo "tick $i $pad"; sleep 0.02; done\n`,
    ready: async (state) => {
      follower = startCli(['logs', '-f', '-n', '1'], { env: { DOZEN_STATE_DIR: state } });
      await follower.waitForOutput(/app\[web\.1\]: tick \d+/);
    },
    full: /log store: cannot write .*logs\.db: no space left on the device; lines are not stored until there is room \(retrying\)/,
  });
  try {
    await run.waitForOutput(/log store: storing again; \d+ lines were not stored \(cannot write .*logs\.db: no space left/, 45_000);
    await follower?.waitForOutput(/dozen\[dozen\]: log store: storing again/);
    run.signal('SIGTERM');
    const result = await run.exited();
    assert.equal(result.code, 143, result.stdout);
    assert.doesNotMatch(result.stdout, /log store stopped/);
  } finally {
    unmount();
  }
});
