// `dozen run` end to end (the built CLI in temp folders, real processes, a pty) plus its pure parts.
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { looksLikeShell, runEnvironment, runTarget, SHELL } from '../../src/cli/commands/run.js';
import type { LoadedApp } from '../../src/app/load-app.js';
import { hasProgram, isAlive, killAllStarted, runCli, shellWord, startCli, startCliInPty, tempApp, type Running } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

/** A child that reports its pid once its handlers are in, and exits with a code per signal. */
const CHILD_JS = `
process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(7); });
process.on('SIGHUP', () => { console.log('child got SIGHUP'); process.exit(8); });
process.on('SIGINT', () => { console.log('child got SIGINT'); process.exit(42); });
console.log('ready ' + process.pid);
setInterval(() => {}, 1000);
`;

/** A node one-liner printing the given variables (unset ones as null) as JSON. */
const PRINT_ENV = `console.log(JSON.stringify(Object.fromEntries(process.argv.slice(1).map((k) => [k, process.env[k] ?? null]))))`;

async function childPid(running: Running): Promise<number> {
  const m = await running.waitForOutput(/ready (\d+)/);
  return Number(m[1]);
}

describe('dozen run', () => {
  describe('exit status', () => {
    for (const [label, script, code] of [
      ['0', 'exit 0', 0],
      ['3', 'exit 3', 3],
      ['death by SIGTERM as 128+15', 'kill -TERM $$', 143],
      ['death by SIGKILL as 128+9', 'kill -KILL $$', 137],
    ] as const) {
      it(`passes the command's exit status through: ${label}`, T, async (t) => {
        const app = await tempApp({});
        t.after(app.cleanup);
        const r = await runCli(['run', 'sh', '-c', script], { cwd: app.dir });
        assert.equal(r.code, code, r.stderr);
        assert.equal(r.stderr, '');
      });
    }

    it('a command that does not exist: one line, exit 127, the Procfile types as a hint', T, async (t) => {
      const app = await tempApp({ Procfile: 'web: w\nworker: k\n' });
      t.after(app.cleanup);
      const r = await runCli(['run', 'no-such-command-xyz', '--flag'], { cwd: app.dir });
      assert.equal(r.code, 127);
      assert.equal(r.stderr, 'dozen: command not found: no-such-command-xyz. It is not a Procfile type either (types: web, worker).\n');
      const empty = await tempApp({});
      t.after(empty.cleanup);
      const bare = await runCli(['run', 'no-such-command-xyz'], { cwd: empty.dir });
      assert.equal(bare.code, 127);
      assert.equal(bare.stderr, 'dozen: command not found: no-such-command-xyz\n');
    });

    it('a file that is not executable: exit 126', T, async (t) => {
      const app = await tempApp({ 'tool.sh': 'echo hi\n' });
      t.after(app.cleanup);
      const r = await runCli(['run', './tool.sh'], { cwd: app.dir });
      assert.equal(r.code, 126);
      assert.match(r.stderr, /^dozen: cannot execute \.\/tool\.sh: [^\n]*\n$/);
    });
  });

  describe('what runs', () => {
    it('options after COMMAND belong to it: `dozen run sh -c ... -la --port 3 -e x`', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      const r = await runCli(['run', 'sh', '-c', 'printf "[%s]" "$@"', 'sh', '-la', '--port', '3', '-e', 'x', '--help'], { cwd: app.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '[-la][--port][3][-e][x][--help]');
    });

    it('a Procfile type runs its command through sh, extra args appended and quoted', T, async (t) => {
      const app = await tempApp({ Procfile: "web: printf '[%s]' first\n" });
      t.after(app.cleanup);
      const r = await runCli(['run', 'web', 'a', 'b c', '$HOME', "it's", '*'], { cwd: app.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "[first][a][b c][$HOME][it's][*]");
    });

    it('one argument with shell syntax is a command line for sh', T, async (t) => {
      const app = await tempApp({ '.env': 'GREETING=hi there\n' });
      t.after(app.cleanup);
      const r = await runCli(['run', 'echo "$GREETING" && exit 4'], { cwd: app.dir });
      assert.equal(r.code, 4);
      assert.equal(r.stdout, 'hi there\n');
    });

    it('runs in the app root, without needing a Procfile', T, async (t) => {
      const app = await tempApp({ 'app/.env': 'A=1\n' });
      t.after(app.cleanup);
      const r = await runCli(['run', '-d', 'app', 'pwd'], { cwd: app.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), await realpath(app.path('app')));
    });

    it('a broken Procfile still stops it, with the usual one-line error', T, async (t) => {
      const app = await tempApp({ Procfile: 'web:\n' });
      t.after(app.cleanup);
      const r = await runCli(['run', 'true'], { cwd: app.dir });
      assert.equal(r.code, 78);
      assert.match(r.stderr, /^dozen: Procfile:1: [^\n]*\n$/);
    });

    it('an unknown dozen option before COMMAND is a usage error', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      const r = await runCli(['run', '--bogus', 'true'], { cwd: app.dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'dozen: unknown option \'--bogus\' (see "dozen run --help")\n');
    });
  });

  describe('environment', () => {
    const printEnv = (keys: string[]): string[] => ['run', process.execPath, '-e', PRINT_ENV, ...keys];

    it('the app config over the inherited environment; the inherited value wins unless --override', T, async (t) => {
      const app = await tempApp({ '.env': 'FROM_FILE=file\nBOTH=file\n' });
      t.after(app.cleanup);
      const env = { BOTH: 'shell', ONLY_SHELL: 'shell' };
      const r = await runCli(printEnv(['FROM_FILE', 'BOTH', 'ONLY_SHELL']), { cwd: app.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { FROM_FILE: 'file', BOTH: 'shell', ONLY_SHELL: 'shell' });
      const over = await runCli(['run', '--override', ...printEnv(['BOTH']).slice(1)], { cwd: app.dir, env });
      assert.deepEqual(JSON.parse(over.stdout), { BOTH: 'file' });
    });

    it('PORT: none unless given by -p, DOZEN_PORT, an env file or the environment', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      const port = async (args: string[], env: Record<string, string> = {}): Promise<string | null> => {
        const r = await runCli(['run', ...args, ...printEnv(['PORT', 'PS']).slice(1)], { cwd: app.dir, env });
        assert.equal(r.code, 0, r.stderr);
        const vars = JSON.parse(r.stdout);
        assert.equal(vars.PS, null);
        return vars.PORT;
      };
      assert.equal(await port([]), null);
      assert.equal(await port(['-p', '4000']), '4000');
      assert.equal(await port([], { DOZEN_PORT: '4300' }), '4300');
      assert.equal(await port([], { PORT: '4100' }), '4100');
      await app.write('.env', 'PORT=4200\n');
      assert.equal(await port([]), '4200');
      assert.equal(await port([], { PORT: '4100' }), '4100');
      assert.equal(await port(['-p', '4000'], { PORT: '4100' }), '4000');
    });

    it('a Procfile type gets the port start gives its first instance', T, async (t) => {
      const app = await tempApp({ Procfile: `web: ${shellWord(process.execPath)} -e ${shellWord(PRINT_ENV)} PORT\nworker: ${shellWord(process.execPath)} -e ${shellWord(PRINT_ENV)} PORT\n` });
      t.after(app.cleanup);
      const port = async (args: string[], env: Record<string, string> = {}): Promise<string | null> => {
        const r = await runCli(['run', ...args], { cwd: app.dir, env });
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout).PORT;
      };
      assert.equal(await port(['web']), '5000');
      assert.equal(await port(['worker']), '5100');
      assert.equal(await port(['-p', '4000', 'worker']), '4100');
      assert.equal(await port(['web'], { PORT: '4100' }), '4100');
      const check = await runCli(['check', '-p', '4000'], { cwd: app.dir });
      assert.match(check.stdout, /worker\.1 +port 4100/);
    });

    it('a bad -p is a one-line usage error', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      const r = await runCli(['run', '-p', '99999', 'true'], { cwd: app.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^dozen: [^\n]*port[^\n]*"99999"[^\n]*\n$/);
    });
  });

  describe('signals', () => {
    it('SIGTERM and SIGHUP sent to dozen are passed on to the command', T, async (t) => {
      const app = await tempApp({ 'child.js': CHILD_JS });
      t.after(app.cleanup);
      for (const [signal, code, said] of [
        ['SIGTERM', 7, 'child got SIGTERM'],
        ['SIGHUP', 8, 'child got SIGHUP'],
      ] as const) {
        const running = startCli(['run', process.execPath, 'child.js'], { cwd: app.dir });
        const pid = await childPid(running);
        running.signal(signal);
        const r = await running.exited();
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stdout, new RegExp(said));
        assert.equal(r.stderr, '');
        assert.equal(isAlive(pid), false);
      }
    });

    it('SIGINT sent to dozen alone is ignored (the terminal sends it to the command itself)', T, async (t) => {
      const app = await tempApp({ 'child.js': CHILD_JS });
      t.after(app.cleanup);
      const running = startCli(['run', process.execPath, 'child.js'], { cwd: app.dir });
      await childPid(running);
      running.signal('SIGINT');
      running.signal('SIGTERM');
      const r = await running.exited();
      // Had dozen died of SIGINT, code would be null; had it passed SIGINT on, 42.
      assert.equal(r.code, 7, r.stderr);
      assert.doesNotMatch(r.stdout, /SIGINT/);
    });

    it('when Ctrl-C kills the command, dozen ends by SIGINT too (so a calling script stops)', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      const running = startCli(['run', process.execPath, '-e', 'console.log("ready " + process.pid); setInterval(() => {}, 1000)'], { cwd: app.dir });
      const pid = await childPid(running);
      running.signalGroup('SIGINT');
      const r = await running.exited();
      assert.equal(r.signal, 'SIGINT', `code ${r.code}, stderr: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.equal(isAlive(pid), false);
    });

    it('SIGINT to the process group (Ctrl-C) reaches the command; dozen outlives it and returns its status', T, async (t) => {
      const app = await tempApp({ 'child.js': CHILD_JS });
      t.after(app.cleanup);
      const running = startCli(['run', process.execPath, 'child.js'], { cwd: app.dir });
      const pid = await childPid(running);
      running.signalGroup('SIGINT');
      const r = await running.exited();
      assert.equal(r.code, 42, r.stderr);
      assert.match(r.stdout, /child got SIGINT/);
      assert.equal(r.stderr, '');
      assert.equal(isAlive(pid), false);
    });
  });

  describe('under a terminal', { skip: hasProgram('script') ? false : 'util-linux `script` is not installed' }, () => {
    it('the command gets the TTY and reads what is typed', T, async (t) => {
      const app = await tempApp({});
      t.after(app.cleanup);
      const script = 'if [ -t 0 ] && [ -t 1 ]; then echo is-a-tty; fi; read x; echo "got:$x"; exit 5';
      const pty = startCliInPty(['run', 'sh', '-c', script], { cwd: app.dir });
      await pty.waitForOutput(/is-a-tty/);
      pty.write('hello\n');
      const r = await pty.exited();
      assert.match(r.stdout, /got:hello/);
      assert.equal(r.code, 5, r.stdout);
    });

    it('Ctrl-C typed at the terminal interrupts the command, not dozen', T, async (t) => {
      const app = await tempApp({ 'child.js': CHILD_JS });
      t.after(app.cleanup);
      const pty = startCliInPty(['run', process.execPath, 'child.js'], { cwd: app.dir });
      await pty.waitForOutput(/ready \d+/);
      pty.write('\x03');
      const r = await pty.exited();
      assert.match(r.stdout, /child got SIGINT/);
      assert.doesNotMatch(r.stdout, /dozen:/);
      assert.equal(r.code, 42, r.stdout);
    });
  });
});

describe('run: the pure parts', () => {
  const app = (entries: Array<[string, string]>): LoadedApp =>
    ({ procfile: { path: 'Procfile', entries: entries.map(([name, command], i) => ({ name, command, line: i + 1 })), diagnostics: [] } }) as unknown as LoadedApp;

  it('runTarget: a type name, a shell line, or the program itself', () => {
    const a = app([['web', 'node web.js']]);
    assert.deepEqual(runTarget('web', ['--port', "x'y"], a), { file: SHELL, args: ['-c', "node web.js '--port' 'x'\\''y'"] });
    assert.deepEqual(runTarget('echo $A', [], a), { file: SHELL, args: ['-c', 'echo $A'] });
    assert.deepEqual(runTarget('ls', ['-la'], a), { file: 'ls', args: ['-la'] });
    // With arguments, the first word is always a program, even with odd characters in it.
    assert.deepEqual(runTarget('./my tool', ['x'], a), { file: './my tool', args: ['x'] });
  });

  it('looksLikeShell', () => {
    for (const s of ['a b', 'a|b', 'a;b', 'a&&b', '$A', '`x`', 'a>b', "'q'", 'x*', '(x)']) assert.equal(looksLikeShell(s), true, s);
    for (const s of ['ls', './bin/tool', '/usr/bin/env', 'rake-db', 'python3.12', 'a=b', 'user@host']) assert.equal(looksLikeShell(s), false, s);
  });

  it('runEnvironment: inherited, then config; -p sets PORT; unset inherited values are dropped', () => {
    assert.deepEqual(runEnvironment({ A: '1', B: '2', GONE: undefined }, { B: 'file' }, undefined), { A: '1', B: 'file' });
    assert.deepEqual(runEnvironment({ PORT: '1' }, { PORT: '2' }, ' 3000 '), { PORT: '3000' });
    assert.throws(() => runEnvironment({}, {}, 'x'), /port/);
  });
});
