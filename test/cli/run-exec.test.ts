// `dozen run` through bin/dozen replaces itself with its command: the command has the pid the
// caller started, gets the signals sent to it, exits with its own status, and no Node process
// is left beside it; the environment arrives byte for byte, exactly as without the hand-off.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { handoffScript } from '../../src/platform/exec-handoff.js';
import { killAllStarted, repoRoot, runCli, startProgram, tempApp, type CliOptions, type CliResult, type Running } from './helpers.js';

const T = { timeout: 30_000 };
const launcher = join(repoRoot, 'bin/dozen');
// The launcher's private folders go here, so the test can see that none is left behind.
const scratch = mkdtempSync(join(tmpdir(), 'dozen-run-exec-'));
const cacheHome = mkdtempSync(join(tmpdir(), 'dozen-cache-'));
after(() => {
  killAllStarted();
  rmSync(scratch, { recursive: true, force: true });
  rmSync(cacheHome, { recursive: true, force: true });
});

function start(args: string[], opts: Omit<CliOptions, 'input'> = {}): Running {
  const running = startProgram(launcher, args, { ...opts, env: { TMPDIR: scratch, XDG_CACHE_HOME: cacheHome, ...opts.env } });
  running.child.stdin?.end();
  return running;
}

const dozen = (args: string[], opts: Omit<CliOptions, 'input'> = {}): Promise<CliResult> => start(args, opts).exited();

/** Values that any re-reading by a shell would change. */
const HOSTILE = {
  NEWLINES: 'line one\nline two\n',
  QUOTES: `it's "quoted" \\ and '\\''`,
  SHELLISH: '$HOME `id` $(id) ; | & * ? [a] ~ #',
  UNICODE: 'héllo wörld ✓ 日本 🎉',
  SPACES: '  leading and trailing  ',
  EMPTY: '',
};

/** Pids whose environment holds the marker, with the file they run (/proc/PID/exe). */
function marked(marker: string): { pid: number; exe: string }[] {
  const found: { pid: number; exe: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    let environ: string;
    let exe: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
      exe = readlinkSync(`/proc/${name}/exe`);
    } catch {
      continue; // gone, or not ours to read: not one of this test's processes either way
    }
    if (environ.includes(`DOZEN_TEST_MARKER=${marker}\0`)) found.push({ pid: Number(name), exe });
  }
  return found;
}

describe('dozen run through bin/dozen', () => {
  it('runs the command as the pid the caller started, and passes its status through', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: echo "web $$ $PORT"; exit 5\n' });
    t.after(app.cleanup);
    const running = start(['run', 'sh', '-c', 'echo "pid $$"; exit 3'], { cwd: app.dir });
    const r = await running.exited();
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, `pid ${running.pid}\n`);

    const web = start(['run', 'web'], { cwd: app.dir });
    const w = await web.exited();
    assert.equal(w.code, 5, w.stderr);
    assert.equal(w.stdout, `web ${web.pid} 5000\n`);

    const line = start(['run', 'echo "line $$"; kill -TERM $$'], { cwd: app.dir });
    const l = await line.exited();
    assert.equal(l.signal, 'SIGTERM', l.stderr);
    assert.equal(l.stdout, `line ${line.pid}\n`);
    assert.deepEqual(readdirSync(scratch), [], 'a hand-off folder was left behind');
  });

  it('leaves no Node process beside the command, which gets the signals sent to that pid', T, async (t) => {
    const app = await tempApp({});
    t.after(app.cleanup);
    const marker = randomBytes(8).toString('hex');
    const script = `trap 'echo "got TERM"; exit 7' TERM; echo "ready $$"; while :; do sleep 1 & wait $!; done`;
    const running = start(['run', 'sh', '-c', script], { cwd: app.dir, env: { DOZEN_TEST_MARKER: marker } });
    const m = await running.waitForOutput(/ready (\d+)/);
    assert.equal(Number(m[1]), running.pid);
    assert.equal(readlinkSync(`/proc/${running.pid}/exe`), realpathSync('/bin/sh'));
    const nodes = marked(marker).filter((p) => /(^|\/)node$/.test(p.exe));
    assert.deepEqual(nodes, [], 'a node process runs beside the command');
    running.signal('SIGTERM');
    const r = await running.exited();
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, /got TERM\n$/);
  });

  it('gives the command exactly the environment the spawning path gives, byte for byte', T, async (t) => {
    const app = await tempApp({ '.env': `FROM_FILE="it's ✓ \\"x\\" $ %"\nMULTI="a\\nb"\n` });
    t.after(app.cleanup);
    const dump = ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))'];
    // PWD as a calling shell sets it: bin/dozen's sh would otherwise export one of its own.
    const env = { ...HOSTILE, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem', PWD: app.dir };
    const exec = await dozen(['run', ...dump], { cwd: app.dir, env });
    assert.equal(exec.code, 0, exec.stderr);
    const spawned = await runCli(['run', ...dump], { cwd: app.dir, env: { ...env, TMPDIR: scratch, XDG_CACHE_HOME: cacheHome } });
    assert.equal(spawned.code, 0, spawned.stderr);
    const got = JSON.parse(exec.stdout) as Record<string, string>;
    for (const [key, value] of Object.entries(HOSTILE)) assert.equal(got[key], value, key);
    assert.equal(got.FROM_FILE, `it's ✓ "x" $ %`);
    assert.equal(got.MULTI, 'a\nb');
    assert.equal(got.NODE_EXTRA_CA_CERTS, '/nonexistent/ca.pem');
    assert.equal(got.DOZEN_LAUNCHER_EXEC_FILE, undefined);
    assert.equal(got.DOZEN_LAUNCHER_NODE_EXTRA_CA_CERTS, undefined);
    assert.deepEqual(got, JSON.parse(spawned.stdout));
  });

  it('still reports a missing or unrunnable command itself', T, async (t) => {
    const app = await tempApp({ 'not-a-program': 'echo\n' });
    t.after(app.cleanup);
    const missing = await dozen(['run', 'no-such-program-here'], { cwd: app.dir });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^dozen: command not found: no-such-program-here/);
    const plain = await dozen(['run', './not-a-program'], { cwd: app.dir });
    assert.equal(plain.code, 126);
    assert.match(plain.stderr, /^dozen: cannot execute \.\/not-a-program/);
    assert.deepEqual(readdirSync(scratch), []);
  });
});

describe('handoffScript', () => {
  it('writes one `set --` line of single-quoted words', () => {
    assert.equal(
      handoffScript({ file: 'sh', args: ['-c', "echo 'x'"], env: { A: "it's\n" }, cwd: '/app' }),
      `set -- '/app' 'A=it'\\''s\n' 'sh' '-c' 'echo '\\''x'\\'''\n`,
    );
  });
});
