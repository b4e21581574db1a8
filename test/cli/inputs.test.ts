// End to end: no input crashes dozen. Values no process environment can hold (over 128 KiB, a NUL
// byte), a NUL in a Procfile command, `$` references that double at each line, a malformed drain
// URL, a read-only or full state folder: each is one line naming FILE:LINE where there is one,
// with the exit code of its kind (docs/exit-codes.md), `check` and `start` alike, and no socket
// left behind.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { killAllStarted, runCli, tempApp, type CliResult, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});
const T = { timeout: 60_000 };
const isRoot = process.getuid?.() === 0;

async function app(files: Record<string, string>): Promise<TempApp> {
  const a = await tempApp({ Procfile: 'web: echo hi\n', ...files });
  apps.push(a);
  return a;
}

function assertRefused(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stdout + result.stderr);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at |internal error|Node\.js v/);
}

/** `check`, `env` and `start` all refuse the app in the same line; start leaves no socket. */
async function assertAllRefuse(a: TempApp, pattern: RegExp): Promise<void> {
  for (const args of [['check'], ['env'], ['start']]) assertRefused(await runCli([...args, '-d', a.dir]), 78, pattern);
  assert.equal(existsSync(a.path('.dozen/control.sock')), false);
}

test('an .env value over 128 KiB (spawn E2BIG) is refused with FILE:LINE by check, env and start', T, async () => {
  const a = await app({ '.env': `# big\nBIG=${'x'.repeat(140_000)}\n` });
  await assertAllRefuse(a, /^dozen: \S*\.env:2: BIG: the value is 137 KiB; one environment variable holds at most 128 KiB/);
});

test('a NUL byte in a quoted .env value or in a Procfile command is refused with FILE:LINE', T, async () => {
  const env = await app({ '.env': 'A=1\nB="x\0y"\n' });
  await assertAllRefuse(env, /^dozen: \S*\.env:2: B: the value contains a NUL byte/);
  const single = await app({ '.env': "C='x\0y'\n" });
  await assertAllRefuse(single, /^dozen: \S*\.env:1: C: the value contains a NUL byte/);
  const procfile = await app({ Procfile: 'web: echo hi\nworker: echo a\0b\n' });
  await assertAllRefuse(procfile, /^dozen: \S*Procfile:2: process "worker": the command contains a NUL byte/);
});

test('values that double at each line stop at the cap, at the line that passes it, in bounded memory', T, async () => {
  const lines = ['A0=xxxxxxxx', ...Array.from({ length: 30 }, (_, i) => `A${i + 1}=\${A${i}}\${A${i}}`)];
  const a = await app({ '.env': `${lines.join('\n')}\n` });
  // 8 << 14 = 128 KiB: A14 (with its key) is the first past the cap, on line 15.
  await assertAllRefuse(a, /^dozen: \S*\.env:15: A14: the value is 129 KiB; one environment variable holds at most 128 KiB/);
  const lenient = await runCli(['env', '--env-lenient', '-d', a.dir]);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.ok(lenient.stdout.length < 1 << 20, `dozen env printed ${lenient.stdout.length} bytes`);
  assert.match(lenient.stderr, /warning: \S*\.env:15: A14: the value is 129 KiB/);
});

test("the env files' values together are capped at 1 MiB", T, async () => {
  const lines = Array.from({ length: 10 }, (_, i) => `V${i}=${'v'.repeat(120_000)}`);
  const a = await app({ '.env': `${lines.join('\n')}\n` });
  await assertAllRefuse(a, /^dozen: \S*\.env:9: V8: the env files' values add up to more than 1024 KiB/);
});

test('a malformed drain URL is a usage error, not an internal one, and its password is not shown', T, async () => {
  const a = await app({});
  const result = await runCli(['start', '--drain', 'https://u:%zz@h/', '-d', a.dir]);
  assertRefused(result, 2, /^dozen: --drain: https:\/\/u:\*\*\*@h\/: the password is not valid percent-encoding/);
  assert.doesNotMatch(result.stderr, /%zz/);
});

/** Runs `fn` with a 1 MiB tmpfs mounted at a fresh folder (root only), unmounted after. */
async function withTmpfs(fn: (dir: string) => Promise<void>): Promise<void> {
  const a = await app({});
  const dir = a.path('mnt');
  mkdirSync(dir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, mounted.stderr);
  try {
    await fn(dir);
  } finally {
    spawnSync('umount', ['-l', dir]);
  }
}

const canMount = isRoot && spawnSync('sh', ['-c', 'command -v mount'], { stdio: 'ignore' }).status === 0;
const MOUNT = { ...T, skip: !canMount && 'needs root to mount a tmpfs' };

test('a read-only state folder: one line and exit 74, for start and config set', MOUNT, async () => {
  await withTmpfs(async (dir) => {
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', dir]).status, 0);
    const a = await app({});
    const env = { DOZEN_STATE_DIR: `${dir}/state` };
    for (const args of [['start'], ['config', 'set', 'A=1'], ['build']]) {
      assertRefused(await runCli([...args, '-d', a.dir], { env }), 74, /read-only \(EROFS\)/);
    }
  });
});

test('a full state folder: config set says so in one line and exits 74', MOUNT, async () => {
  await withTmpfs(async (dir) => {
    const a = await app({});
    mkdirSync(`${dir}/state`, { mode: 0o700 });
    writeFileSync(`${dir}/filler`, Buffer.alloc(0));
    // Fill it: write until ENOSPC.
    spawnSync('sh', ['-c', `cat /dev/zero > ${dir}/filler`]);
    const result = await runCli(['config', 'set', `A=${'a'.repeat(8000)}`, '-d', a.dir], { env: { DOZEN_STATE_DIR: `${dir}/state` } });
    assertRefused(result, 74, /no space left on the device \(ENOSPC\)/);
  });
});

test('an environment larger than the system takes (inherited plus the files) is a process that could not start, not a crash', T, async () => {
  // 1.2 MiB inherited, 900 KiB from .env (each value under every cap): the child's would pass ARG_MAX (2 MiB here).
  const inherited = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`INHERITED_${i}`, 'i'.repeat(100_000)]));
  const a = await app({ '.env': `${Array.from({ length: 9 }, (_, i) => `FILE_${i}=${'f'.repeat(100_000)}`).join('\n')}\n` });
  const result = await runCli(['start', '--no-timestamp', '-d', a.dir], { env: inherited });
  // 1: a command that could not be started for a reason other than 126/127 (docs/exit-codes.md).
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /web\.1 could not be started: spawn E2BIG/);
  assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at |internal error|Node\.js v/);
  assert.equal(existsSync(a.path('.dozen/control.sock')), false);
});
