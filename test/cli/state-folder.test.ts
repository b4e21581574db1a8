// End to end: the state folder belongs to its user. Planted symbolic links (a `.dozen` link
// committed in a repository, `logs.spool`, `logs.db`, `control.sock`, `releases.json`,
// `config.json` pointing elsewhere) are never followed, written through or chmodded; a folder owned
// by another user, or writable by others, is refused with one line and exit 77.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllStarted, runCli, tempApp, type CliResult, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

const isRoot = process.getuid?.() === 0;
/** `nobody` on Debian and most others; any uid that is not ours does. */
const OTHER_UID = 65534;
const T = { timeout: 60_000 };

async function app(): Promise<TempApp> {
  const a = await tempApp({ Procfile: 'web: echo the-secret-line\n' });
  apps.push(a);
  return a;
}

/** A file of "another user": what a planted link points at. */
function victim(): { path: string; before: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-victim-'));
  const path = join(dir, 'precious');
  writeFileSync(path, 'precious contents\n');
  chmodSync(path, 0o644);
  return { path, before: 'precious contents\n', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A victim file, and a link to it planted as `.dozen/NAME` in a real state folder of ours. */
function plant(a: TempApp, name: string): ReturnType<typeof victim> {
  const v = victim();
  mkdirSync(a.path('.dozen'), { mode: 0o700, recursive: true });
  symlinkSync(v.path, a.path(`.dozen/${name}`));
  return v;
}

function assertOneLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stdout + result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at |internal error/);
}

test('a .dozen symbolic link (committed in a repository) is refused, its target neither used nor chmodded', T, async () => {
  const a = await app();
  const target = mkdtempSync(join(tmpdir(), 'dozen-elsewhere-'));
  try {
    chmodSync(target, 0o755);
    symlinkSync(target, a.path('.dozen'));
    for (const args of [['start'], ['logs'], ['config'], ['ps']]) {
      const result = await runCli([...args, '-d', a.dir]);
      assertOneLine(result, 77, /state folder .*\.dozen is a symbolic link.* Remove the link \(rm /);
    }
    assert.equal(statSync(target).mode & 0o777, 0o755, 'not chmodded through the link');
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});

test('a logs.spool link to another file never receives the app lines', T, async () => {
  const a = await app();
  const v = plant(a, 'logs.spool');
  try {
    const result = await runCli(['start', '--no-timestamp', '-d', a.dir]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /logs\.spool is a symbolic link/);
    assert.equal(readFileSync(v.path, 'utf8'), v.before);
    assert.equal(statSync(v.path).mode & 0o777, 0o644);
  } finally {
    v.cleanup();
  }
});

for (const name of ['logs.db', 'logs.db-wal']) {
  test(`a ${name} link is refused by dozen logs and by the store's writer, the target untouched`, T, async () => {
    const a = await app();
    const v = plant(a, name);
    try {
      assertOneLine(await runCli(['logs', '-d', a.dir]), 77, new RegExp(`${name.replace('.', '\\.')} is a symbolic link`));
      const start = await runCli(['start', '--no-timestamp', '-d', a.dir]);
      assert.equal(start.code, 0, start.stdout + start.stderr);
      assert.equal(readFileSync(v.path, 'utf8'), v.before);
      assert.equal(statSync(v.path).mode & 0o777, 0o644);
    } finally {
      v.cleanup();
    }
  });
}

test('a control.sock link is refused by dozen start', T, async () => {
  const a = await app();
  const v = plant(a, 'control.sock');
  try {
    assertOneLine(await runCli(['start', '-d', a.dir]), 77, /control\.sock is a symbolic link/);
    assert.equal(readFileSync(v.path, 'utf8'), v.before);
  } finally {
    v.cleanup();
  }
});

for (const [name, args] of [
  ['releases.json', ['releases']],
  ['config.json', ['config']],
] as const) {
  test(`a ${name} link is refused (dozen ${args.join(' ')}), never read or written through`, T, async () => {
    const a = await app();
    const v = plant(a, name);
    try {
      assertOneLine(await runCli([...args, '-d', a.dir]), 77, new RegExp(`${name.replace('.', '\\.')} is a symbolic link`));
      // A write replaces the link (atomically, by rename), never the file it points at.
      const set = await runCli(['config', 'set', 'A=1', '-d', a.dir]);
      assert.equal(readFileSync(v.path, 'utf8'), v.before, set.stdout + set.stderr);
    } finally {
      v.cleanup();
    }
  });
}

test('a state folder writable by other users is refused, and left as it is', T, async () => {
  const a = await app();
  mkdirSync(a.path('.dozen'));
  chmodSync(a.path('.dozen'), 0o777);
  assertOneLine(await runCli(['start', '-d', a.dir]), 77, /is writable by other users \(mode 0777\).*chmod 700/);
  assert.equal(statSync(a.path('.dozen')).mode & 0o777, 0o777);
});

test('a state folder owned by another user is refused, not chmodded (even as root)', { ...T, skip: !isRoot && 'needs root to chown a folder to another user' }, async () => {
  const a = await app();
  mkdirSync(a.path('.dozen'));
  chmodSync(a.path('.dozen'), 0o755);
  chownSync(a.path('.dozen'), OTHER_UID, OTHER_UID);
  for (const args of [['start'], ['logs'], ['config', 'set', 'A=1']]) {
    assertOneLine(await runCli([...args, '-d', a.dir]), 77, new RegExp(`belongs to uid ${OTHER_UID}, not to you .*chown -R`));
  }
  assert.equal(statSync(a.path('.dozen')).mode & 0o777, 0o755);
  assert.equal(statSync(a.path('.dozen')).uid, OTHER_UID);
  // DOZEN_STATE_DIR names a folder the same rules apply to.
  const elsewhere = mkdtempSync(join(tmpdir(), 'dozen-foreign-'));
  try {
    chownSync(elsewhere, OTHER_UID, OTHER_UID);
    assertOneLine(await runCli(['start', '-d', a.dir], { env: { DOZEN_STATE_DIR: elsewhere } }), 77, /belongs to uid/);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
