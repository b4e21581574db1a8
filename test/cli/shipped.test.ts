// The CLI as shipped: bin/dozen (the package's `bin`, a sh launcher) running the bundle that
// `npm run build` writes to dist/bundle/, through its code-cache loader. The other CLI tests run
// dist/src/cli/main.js; these prove the shipped path works too: through npm's symlink, the
// commands, the log store's worker thread inside the bundle, the code cache, and the launcher's
// handling of NODE_EXTRA_CA_CERTS.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../../src/cli/version.js';
import { killAllStarted, repoRoot, shellWord, startProgram, tempApp, type CliOptions, type CliResult } from './helpers.js';
import { waitUntil } from '../fixtures/harness.js';
import { SyslogReceiver, selfSignedCert } from '../logs/drains/receivers.js';

const T = { timeout: 60_000 };
const launcher = join(repoRoot, 'bin/dozen');
const INTERNAL = 'DOZEN_LAUNCHER_NODE_EXTRA_CA_CERTS';

// The code caches go to a folder of this test file's own, not the user's ~/.cache.
const cacheHome = mkdtempSync(join(tmpdir(), 'dozen-cache-'));
after(() => {
  killAllStarted();
  rmSync(cacheHome, { recursive: true, force: true });
});

async function dozen(args: string[], opts: Omit<CliOptions, 'input'> = {}, file = launcher): Promise<CliResult> {
  const running = startProgram(file, args, { ...opts, env: { XDG_CACHE_HOME: cacheHome, ...opts.env } });
  running.child.stdin?.end();
  return running.exited();
}

const basePort = () => String(30_000 + Math.floor(Math.random() * 200) * 100);

test('--version, also through a symlink as npm links bins into node_modules/.bin', T, async () => {
  const r = await dozen(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
  const bin = mkdtempSync(join(tmpdir(), 'dozen-bin-'));
  try {
    symlinkSync(launcher, join(bin, 'dozen'));
    const linked = await dozen(['--version'], { cwd: bin }, join(bin, 'dozen'));
    assert.equal(linked.code, 0, linked.stderr);
    assert.equal(linked.stdout, `${version}\n`);
    // Found on PATH, as `dozen` typed in a shell.
    const onPath = await dozen(['--version'], { cwd: bin, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } }, 'dozen');
    assert.equal(onPath.stdout, `${version}\n`, onPath.stderr);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('check and env', T, async () => {
  const app = await tempApp({ Procfile: 'web: serve --port $PORT\nworker: work\n', '.env': 'GREETING=hello\n' });
  try {
    const check = await dozen(['check', '-d', app.dir, '-p', '4000']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /web\.1\b.*\b4000\b/);
    assert.match(check.stdout, /worker\.1\b/);
    const env = await dozen(['env', '-d', app.dir, '--json']);
    assert.equal(env.code, 0, env.stderr);
    assert.equal((JSON.parse(env.stdout) as Record<string, string>).GREETING, 'hello');
  } finally {
    await app.cleanup();
  }
});

test('start runs the formation, and logs reads its lines back from the store', T, async () => {
  const app = await tempApp({ Procfile: 'web: echo "first line"; echo "second line"\n' });
  try {
    const run = await dozen(['start', '-d', app.dir, '-p', basePort(), '--no-color', '--no-timestamp']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^web\.1 \| first line\nweb\.1 \| second line$/m);
    // Two lines stay in the spool; dozen logs reads them from there.
    const logs = await dozen(['logs', '-d', app.dir, '--source', 'app', '--json']);
    assert.equal(logs.code, 0, logs.stderr);
    const texts = logs.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    assert.deepEqual(texts, ['first line', 'second line']);
  } finally {
    await app.cleanup();
  }
});

test('the bundle serves the dashboard: start --dashboard and dozen dashboard, the page and its assets embedded', T, async () => {
  const app = await tempApp({ Procfile: 'web: sleep 1000\n' });
  const env = { XDG_CACHE_HOME: cacheHome };
  try {
    const running = startProgram(launcher, ['start', '-d', app.dir, '-p', basePort(), '--no-color', '--dashboard'], { env });
    await running.waitForOutput(/dozen dashboard: /);
    const thin = startProgram(launcher, ['dashboard', '-d', app.dir], { env });
    for (const server of [running, thin]) {
      const [, address, token] = (await server.waitForOutput(/dozen dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)/)) as unknown as [string, string, string];
      // The first load trades the token for a cookie, and the page comes with it.
      const first = await fetch(`${address}?token=${token}`, { redirect: 'manual' });
      assert.equal(first.status, 303);
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const page = await fetch(address, { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script src="\/dashboard\.js"/);
      const script = await fetch(`${address}dashboard.js`, { headers: { cookie } });
      assert.match(await script.text(), /new EventSource\('\/api\/events'\)/);
      assert.equal((await fetch(`${address}dashboard.css`, { headers: { cookie } })).status, 200);
      assert.equal((await fetch(`${address}dashboard.js`)).status, 401);
    }
    thin.signal('SIGINT');
    assert.equal((await thin.exited()).code, 0);
    running.signal('SIGTERM');
    await running.exited();
  } finally {
    await app.cleanup();
  }
});

test('NODE_EXTRA_CA_CERTS reaches the processes, dozen run and dozen env unchanged; the launcher variable never does', T, async () => {
  const show = `echo "extra=\${NODE_EXTRA_CA_CERTS-unset} internal=\${${INTERNAL}-unset}"`;
  const app = await tempApp({ Procfile: `web: ${show}\n` });
  try {
    for (const value of ['/some/where/ca file.pem', '', undefined]) {
      const expected = `extra=${value ?? 'unset'} internal=unset`;
      const env = { NODE_EXTRA_CA_CERTS: value };
      const start = await dozen(['start', '-d', app.dir, '-p', basePort(), '--no-color', '--no-timestamp', '--no-log-store'], { env });
      assert.equal(start.code, 0, start.stderr);
      assert.match(start.stdout, new RegExp(`^web\\.1 \\| ${expected}$`, 'm'), `NODE_EXTRA_CA_CERTS=${String(value)}`);
      const run = await dozen(['run', '-d', app.dir, 'sh', '-c', show], { env });
      assert.equal(run.stdout, `${expected}\n`, run.stderr);
      const shell = await dozen(['env', '-d', app.dir, '--shell'], { env: { ...env, DOZEN_ENV: undefined } });
      assert.equal(shell.code, 0, shell.stderr);
      assert.doesNotMatch(shell.stdout, new RegExp(INTERNAL));
    }
    // A stray launcher variable from the caller's environment is not passed on either.
    const stray = await dozen(['run', '-d', app.dir, 'sh', '-c', show], { env: { [INTERNAL]: '/stray.pem' } });
    assert.equal(stray.stdout, 'extra=unset internal=unset\n', stray.stderr);
  } finally {
    await app.cleanup();
  }
});

const cert = selfSignedCert();
test('a syslog+tls drain trusts a receiver whose CA is given only by NODE_EXTRA_CA_CERTS', { ...T, skip: cert ? false : 'openssl not found' }, async () => {
  const tls = cert as { key: string; cert: string };
  const rx = new SyslogReceiver(tls);
  const port = await rx.start();
  const app = await tempApp({ Procfile: 'web: echo "to the drain"\n', 'ca.pem': tls.cert });
  try {
    const run = await dozen(['start', '-d', app.dir, '-p', basePort(), '--no-log-store', '--drain', `syslog+tls://127.0.0.1:${port}`], {
      env: { NODE_EXTRA_CA_CERTS: app.path('ca.pem') },
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.doesNotMatch(run.stdout, /unreachable|ignoring/);
    // dozen delivers what is queued before it exits; the receiver may still be reading it.
    const seen = () => `${rx.messages.length} messages: ${rx.messages.map((m) => `${m.procId} ${m.msgId} ${m.msg}`).join(' | ')}`;
    await waitUntil(() => rx.messages.some((m) => m.procId === 'web.1' && m.msgId === 'app' && m.msg === 'to the drain'), 'the line at the receiver', 10_000, seen);
  } finally {
    await rx.stop();
    await app.cleanup();
  }
});

test('an unreadable NODE_EXTRA_CA_CERTS: the drain says it ignores the file, in one line', { ...T, skip: cert ? false : 'openssl not found' }, async () => {
  const tls = cert as { key: string; cert: string };
  const rx = new SyslogReceiver(tls);
  const port = await rx.start();
  const app = await tempApp({ Procfile: 'web: echo "not delivered"\n' });
  const missing = join(app.dir, 'missing.pem');
  try {
    const run = await dozen(['start', '-d', app.dir, '-p', basePort(), '--no-log-store', '--no-color', '--drain', `syslog+tls://127.0.0.1:${port}`], {
      env: { NODE_EXTRA_CA_CERTS: missing },
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const notices = run.stdout.split('\n').filter((l) => l.includes('NODE_EXTRA_CA_CERTS'));
    assert.equal(notices.length, 1, run.stdout);
    assert.match(notices[0] as string, new RegExp(`dozen \\| ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS \\(${missing.replace(/[.]/g, '\\.')}\\): cannot read it \\(ENOENT\\)$`));
    assert.equal(rx.messages.length, 0);
  } finally {
    await rx.stop();
    await app.cleanup();
  }
});


test("the store's writer thread runs from the bundle: a spool that grew is moved into the database once output is quiet", T, async () => {
  // ~340 KB of lines (the spool is moved in from 256 KiB on), then quiet until the writer thread
  // has made the database and removed the spool (checked every 50 ms), so dozen stops after that.
  const app = await tempApp();
  const done = `[ -e ${shellWord(app.path('.dozen/logs.db'))} ] && [ ! -e ${shellWord(app.path('.dozen/logs.spool'))} ]`;
  await app.write('Procfile', `web: seq 1 60000; until ${done}; do sleep 0.05; done\n`);
  try {
    const run = await dozen(['start', '-d', app.dir, '-p', basePort(), '--no-color']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(app.path('.dozen/logs.db')), 'the writer thread created the database');
    assert.ok(!existsSync(app.path('.dozen/logs.spool')), 'and moved the spool into it');
    const logs = await dozen(['logs', '-d', app.dir, '--source', 'app', '-n', '2', '--json']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.deepEqual(logs.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { text: string }).text), ['59999', '60000']);
  } finally {
    await app.cleanup();
  }
});

test('the code cache: written on the first run (0600 in a 0700 folder), used by the next, replaced when damaged', T, async () => {
  const home = mkdtempSync(join(tmpdir(), 'dozen-cache-'));
  const env = { XDG_CACHE_HOME: home };
  const folder = join(home, 'dozen');
  const caches = () => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.v8cache')) : []);
  try {
    const first = await dozen(['--version'], { env });
    assert.equal(first.stdout, `${version}\n`, first.stderr);
    const [file] = caches();
    assert.ok(file !== undefined && /-cli-v\d+\.\d+\.\d+-\w+\.v8cache$/.test(file), String(caches()));
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const path = join(folder, file);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const written = statSync(path).mtimeMs;
    // A cache V8 accepts is used as it is, not written again.
    const second = await dozen(['--version'], { env });
    assert.equal(second.stdout, `${version}\n`, second.stderr);
    assert.equal(statSync(path).mtimeMs, written);
    // A damaged cache (V8 does not check one, and can crash on it) is never given to V8: the run
    // compiles from source and writes a good cache back.
    // Its headers kept (ours and V8's), the compiled code zeroed: V8 alone would run it and crash.
    const good = readFileSync(path);
    writeFileSync(path, Buffer.concat([good.subarray(0, 96), Buffer.alloc(good.length - 96)]));
    const damaged = await dozen(['--version'], { env });
    assert.equal(damaged.code, 0, damaged.stderr);
    assert.equal(damaged.stdout, `${version}\n`);
    assert.notEqual(statSync(path).mtimeMs, written);
    const again = await dozen(['--version'], { env });
    assert.equal(again.stdout, `${version}\n`, again.stderr);
    assert.deepEqual(caches(), [file], 'no temporary file left behind');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a planted code cache is never loaded: a cache folder that is a link, writable by others or owned by another user is refused in one line', T, async () => {
  const home = mkdtempSync(join(tmpdir(), 'dozen-cache-'));
  const env = { XDG_CACHE_HOME: home };
  const folder = join(home, 'dozen');
  const elsewhere = mkdtempSync(join(tmpdir(), 'dozen-cache-target-'));
  const run = async (why: RegExp) => {
    const result = await dozen(['--version'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.match(result.stderr, why);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  };
  try {
    // Written by someone who may write there: dozen would run their code. A real cache, so that only
    // the refusal keeps it from being used; nothing is written beside it either.
    await dozen(['--version'], { env });
    const [file] = readdirSync(folder);
    assert.ok(file !== undefined);
    chmodSync(folder, 0o777);
    const before = statSync(join(folder, file)).mtimeMs;
    await run(/^dozen: warning: not using the code cache: .*dozen is writable by other users \(make it yours alone: chmod go-w /);
    assert.deepEqual(readdirSync(folder), [file]);
    assert.equal(statSync(join(folder, file)).mtimeMs, before);
    chmodSync(folder, 0o700);
    if (process.getuid?.() === 0) {
      chownSync(folder, 65534, 65534);
      await run(/belongs to uid 65534, not to you \(uid 0\)/);
      chownSync(folder, 0, 0);
    }
    // The cache file itself a link (to a cache file someone else controls).
    const planted = join(elsewhere, 'planted.v8cache');
    writeFileSync(planted, readFileSync(join(folder, file)));
    rmSync(join(folder, file));
    symlinkSync(planted, join(folder, file));
    await run(/\.v8cache is a symbolic link/);
    // The folder a link.
    rmSync(folder, { recursive: true });
    mkdirSync(join(elsewhere, 'dozen'), { mode: 0o700 });
    symlinkSync(join(elsewhere, 'dozen'), folder);
    await run(/dozen is a symbolic link \(remove it: rm /);
    assert.deepEqual(readdirSync(join(elsewhere, 'dozen')), [], 'nothing written through the link');
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
