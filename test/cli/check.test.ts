// `dozen check` end to end: the built CLI in temp folders.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAllStarted, runCli, tempApp, type CliResult } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

const PROCFILE = 'release: ./migrate\nweb: node web.js\nworker: node worker.js --queue=a\n';

/** One line on stderr, `dozen: ...`, no stack trace. */
function assertOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code\n${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', /^dozen: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('dozen check', () => {
  it('lists the process types and the instances with their ports', T, async (t) => {
    const app = await tempApp({ Procfile: PROCFILE });
    t.after(app.cleanup);
    const r = await runCli(['check'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.ok(lines.includes('  web.1     port 5000  node web.js'), r.stdout);
    assert.ok(lines.includes('  worker.1  port 5100  node worker.js --queue=a'), r.stdout);
    assert.match(r.stdout, /^ {2}release +\.\/migrate {2}\(runs once, before the others\)$/m);
    assert.match(r.stdout, /^valid$/m);
  });

  it('--json prints exactly {processes, instances, warnings}', T, async (t) => {
    const app = await tempApp({ Procfile: PROCFILE });
    t.after(app.cleanup);
    const r = await runCli(['check', '--json', '-m', 'web=2,worker=1', '-p', '6000'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      processes: [
        { name: 'release', command: './migrate' },
        { name: 'web', command: 'node web.js' },
        { name: 'worker', command: 'node worker.js --queue=a' },
      ],
      instances: [
        { name: 'web.1', type: 'web', port: 6000 },
        { name: 'web.2', type: 'web', port: 6001 },
        { name: 'worker.1', type: 'worker', port: 6100 },
      ],
      warnings: [],
    });
  });

  it('positional types select the instances; the port layout keeps the Procfile order', T, async (t) => {
    const app = await tempApp({ Procfile: PROCFILE });
    t.after(app.cleanup);
    const r = await runCli(['check', '--json', 'worker'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).instances, [{ name: 'worker.1', type: 'worker', port: 5100 }]);
  });

  it('base port: inherited PORT beats .env PORT, --override and DOZEN_OVERRIDE=1 reverse it, -p beats both', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\n', '.env': 'PORT=6000\n' });
    t.after(app.cleanup);
    const port = async (args: string[], env: Record<string, string> = {}): Promise<number> => {
      const r = await runCli(['check', '--json', ...args], { cwd: app.dir, env });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).instances[0].port;
    };
    assert.equal(await port([]), 6000);
    assert.equal(await port([], { PORT: '4000' }), 4000);
    assert.equal(await port(['--override'], { PORT: '4000' }), 6000);
    assert.equal(await port([], { PORT: '4000', DOZEN_OVERRIDE: '1' }), 6000);
    assert.equal(await port([], { PORT: '4000', DOZEN_OVERRIDE: '0' }), 4000);
    assert.equal(await port(['-p', '7000'], { PORT: '4000' }), 7000);
    assert.equal(await port([], { DOZEN_PORT: '7100' }), 7100);
  });

  it('reports Procfile warnings on stderr (text) or in the JSON (--json), and still succeeds', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\nthis is not an entry\n' });
    t.after(app.cleanup);
    const text = await runCli(['check'], { cwd: app.dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /^dozen: warning: Procfile:2: /);
    assert.equal(text.stderr.trimEnd().split('\n').length, 1);

    const json = await runCli(['check', '--json'], { cwd: app.dir });
    assert.equal(json.code, 0);
    assert.equal(json.stderr, '');
    const warnings: string[] = JSON.parse(json.stdout).warnings;
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^Procfile:2: /);
  });

  it('--strict (and DOZEN_STRICT=true) turns that warning into an error', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\nthis is not an entry\n' });
    t.after(app.cleanup);
    assertOneLineError(await runCli(['check', '--strict'], { cwd: app.dir }), 78, /^dozen: Procfile:2: /);
    assertOneLineError(await runCli(['check'], { cwd: app.dir, env: { DOZEN_STRICT: 'true' } }), 78, /Procfile:2:/);
    assert.equal((await runCli(['check'], { cwd: app.dir, env: { DOZEN_STRICT: 'no' } })).code, 0);
  });

  it('never prints config values', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\n', '.env': 'SECRET=hunter2-s3cr3t\nbad line here\n' });
    t.after(app.cleanup);
    const bad = await runCli(['check'], { cwd: app.dir });
    assert.equal(bad.code, 78);
    assert.doesNotMatch(bad.stdout + bad.stderr, /hunter2/);
    await app.write('.env', 'SECRET=hunter2-s3cr3t\n');
    for (const args of [['check'], ['check', '--json']]) {
      const r = await runCli(args, { cwd: app.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    }
  });

  describe('errors: one line, file:line, the config exit code, no stack', () => {
    it('a broken Procfile', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: a\nweb: b\n' });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check'], { cwd: app.dir }), 78, /^dozen: Procfile:2: .*web/);
    });

    it('a missing Procfile', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check'], { cwd: app.dir }), 78, /Procfile not found at .*Procfile\. Use -f/);
    });

    it('a malformed .env', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: w\n', '.env': 'A=1\nB="unterminated\n' });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check'], { cwd: app.dir }), 78, /^dozen: \.env:2: /);
    });

    it('an unknown type in -m lists the valid types', T, async (t) => {
      const app = await tempApp({ Procfile: PROCFILE });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check', '-m', 'wbe=2'], { cwd: app.dir }), 78, /wbe.*web, worker/);
    });

    it('an unknown positional type is a usage error listing the valid types; release points to dozen run', T, async (t) => {
      const app = await tempApp({ Procfile: PROCFILE });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check', 'clock'], { cwd: app.dir }), 2, /unknown process type "clock": expected one of web, worker$/);
      assertOneLineError(await runCli(['check', 'release'], { cwd: app.dir }), 2, /"release": expected one of web, worker\..*dozen run release/);
    });

    it('a missing env file named by -e', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: w\n' });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check', '-e', '.env,.env.local'], { cwd: app.dir }), 78, /env file not found: .*\.env\b/);
    });

    it('a bad -p is a usage error', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: w\n' });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check', '-p', 'http'], { cwd: app.dir }), 2, /port.*"http"/);
    });

    it('a bad PORT from .env is a config error naming PORT', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: w\n', '.env': 'PORT=eighty\n' });
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check'], { cwd: app.dir }), 78, /PORT/);
    });

    it('a missing -d folder', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      assertOneLineError(await runCli(['check', '-d', 'nowhere'], { cwd: app.dir }), 78, /app root .*nowhere: no such folder/);
    });

    it('DOZEN_DEBUG=1 adds the stack trace', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: a\nweb: b\n' });
      t.after(app.cleanup);
      const r = await runCli(['check'], { cwd: app.dir, env: { DOZEN_DEBUG: '1' } });
      assert.equal(r.code, 78);
      assert.match(r.stderr, /^dozen: Procfile:2: /);
      assert.match(r.stderr, /\n\s+at /);
    });
  });

  describe('where the app is', () => {
    it('-d points at the app: Procfile, .env and ports from there', T, async (t) => {
      const app = await tempApp({ 'app/Procfile': 'web: w\n', 'app/.env': 'PORT=5500\n' });
      t.after(app.cleanup);
      const r = await runCli(['check', '--json', '-d', 'app'], { cwd: app.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).instances[0].port, 5500);
    });

    it('-f is relative to the current folder, and the root is its folder; -e is relative to the root', T, async (t) => {
      const app = await tempApp({ 'app/Procfile.dev': 'dev: d\n', 'app/dev.env': 'PORT=5600\n' });
      t.after(app.cleanup);
      const r = await runCli(['check', '--json', '-f', 'app/Procfile.dev', '-e', 'dev.env'], { cwd: app.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).instances, [{ name: 'dev.1', type: 'dev', port: 5600 }]);
    });

    it('DOZEN_ROOT and DOZEN_FORMATION work like -d and -m', T, async (t) => {
      const app = await tempApp({ 'app/Procfile': 'web: w\nworker: k\n' });
      t.after(app.cleanup);
      const r = await runCli(['check', '--json'], { cwd: app.dir, env: { DOZEN_ROOT: 'app', DOZEN_FORMATION: 'worker=2' } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        JSON.parse(r.stdout).instances.map((i: { name: string }) => i.name),
        ['worker.1', 'worker.2'],
      );
    });

    it('works on the bundled example app', T, async () => {
      const r = await runCli(['check', '-d', 'examples/hello']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /web\.1 +port 5000 +node web\.js/);
      assert.match(r.stdout, /worker\.1 +port 5100 +node worker\.js/);
    });
  });
});
