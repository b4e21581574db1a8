// `dozen env` end to end: the built CLI in temp folders.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { cliCommandLine, killAllStarted, runCli, startProgram, tempApp } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

/** Values that break naive quoting: quotes, $, backslashes, newlines, unicode, blanks. */
const HOSTILE_ENV = [
  'DQ="say \\"hi\\" $$HOME \\\\ back\\nnew line"',
  "SQ='literal $HOME \\n `x` \"q\"'",
  'UNI=héllo ✓ 日本',
  'MULTI="line1',
  'line2"',
  'SUBST="\\$(touch pwned) `touch pwned2`"',
  'QUOTE="it\'s"',
  'BS="C:\\\\path\\\\to"',
  'TRAIL="trailing   "',
  'EMPTY=',
  'GLOB=*',
  '',
].join('\n');

const HOSTILE_VALUES: Record<string, string> = {
  DQ: 'say "hi" $HOME \\ back\nnew line',
  SQ: 'literal $HOME \\n `x` "q"',
  UNI: 'héllo ✓ 日本',
  MULTI: 'line1\nline2',
  SUBST: '$(touch pwned) `touch pwned2`',
  QUOTE: "it's",
  BS: 'C:\\path\\to',
  TRAIL: 'trailing   ',
  EMPTY: '',
  GLOB: '*',
};

/** A node one-liner printing the named variables of its environment as JSON. */
function printEnvJson(keys: string[]): string {
  const code = `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(keys)}.map((k) => [k, process.env[k]]))))`;
  return `${process.execPath} -e '${code}'`;
}

describe('dozen env', () => {
  it('--json gives the values the child will see', T, async (t) => {
    const app = await tempApp({ '.env': HOSTILE_ENV });
    t.after(app.cleanup);
    const r = await runCli(['env', '--json'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), HOSTILE_VALUES);
  });

  for (const [label, args, prelude] of [
    ['--shell output', ['env', '--shell'], ''],
    ['the default output (plus an export)', ['env'], `export ${Object.keys(HOSTILE_VALUES).join(' ')}; `],
  ] as const) {
    it(`eval of ${label} in sh reproduces hostile values exactly, running nothing`, T, async (t) => {
      const app = await tempApp({ '.env': HOSTILE_ENV });
      t.after(app.cleanup);
      const script = `eval "$(${cliCommandLine([...args])})" || exit 9; ${prelude}exec ${printEnvJson(Object.keys(HOSTILE_VALUES))}`;
      const r = await startProgram('sh', ['-c', script], { cwd: app.dir }).exited();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(JSON.parse(r.stdout), HOSTILE_VALUES);
      assert.deepEqual(await readdir(app.dir), ['.env']); // nothing was run: no `pwned` file
    });
  }

  it('default output: KEY=value, quoted only when needed', T, async (t) => {
    const app = await tempApp({ '.env': 'PLAIN=abc-1.2/x:y\nSPACED=a b\nQ=it\'s\n' });
    t.after(app.cleanup);
    const r = await runCli(['env'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "PLAIN=abc-1.2/x:y\nSPACED='a b'\nQ='it'\\''s'\n");
  });

  it('--explain names the file and line, or inherited, and notes a shadowed file value', T, async (t) => {
    const app = await tempApp({ '.env': 'A=1\nB=2\n', '.env.local': 'B=3\nC\n' });
    t.after(app.cleanup);
    const env = { A: 'from-shell', C: 'bare' };
    const text = await runCli(['env', '--explain', '-e', '.env,.env.local'], { cwd: app.dir, env });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      [
        'A=from-shell  # inherited, shadows .env:1 (--override lets the file win)',
        'B=3  # .env.local:1',
        'C=bare  # inherited',
        '',
      ].join('\n'),
    );

    const json = await runCli(['env', '--json', '--explain', '-e', '.env,.env.local'], { cwd: app.dir, env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      A: { value: 'from-shell', source: 'inherited', shadowed: '.env:1' },
      B: { value: '3', source: '.env.local:1' },
      C: { value: 'bare', source: 'inherited' },
    });

    const override = await runCli(['env', '--json', '--override'], { cwd: app.dir, env });
    assert.deepEqual(JSON.parse(override.stdout), { A: '1', B: '2' });
  });

  it('--no-expand, DOZEN_NO_EXPAND=1 and DOZEN_NO_EXPAND=0', T, async (t) => {
    const app = await tempApp({ '.env': 'A=x\nB=${A}y\n' });
    t.after(app.cleanup);
    const b = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
      const r = await runCli(['env', '--json', ...args], { cwd: app.dir, env });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).B;
    };
    assert.equal(await b([]), 'xy');
    assert.equal(await b(['--no-expand']), '${A}y');
    assert.equal(await b([], { DOZEN_NO_EXPAND: '1' }), '${A}y');
    assert.equal(await b([], { DOZEN_NO_EXPAND: '0' }), 'xy');
    assert.equal(await b([], { DOZEN_NO_EXPAND: '' }), 'xy');
  });

  it('DOZEN_JSON=yes works like --json; a value that is not a boolean is a usage error', T, async (t) => {
    const app = await tempApp({ '.env': 'A=1\n' });
    t.after(app.cleanup);
    const yes = await runCli(['env'], { cwd: app.dir, env: { DOZEN_JSON: 'yes' } });
    assert.deepEqual(JSON.parse(yes.stdout), { A: '1' });
    const bad = await runCli(['env'], { cwd: app.dir, env: { DOZEN_JSON: 'maybe' } });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'dozen: DOZEN_JSON: expected one of 1, true, yes, on, 0, false, no, off, got "maybe"\n');
  });

  it('--json with --shell is a one-line usage error', T, async (t) => {
    const app = await tempApp({});
    t.after(app.cleanup);
    const r = await runCli(['env', '--json', '--shell'], { cwd: app.dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^dozen: option '--json' cannot be used with option '--shell' \(see "dozen env --help"\)\n$/);
  });

  it('needs no Procfile, and prints nothing when there is no .env', T, async (t) => {
    const app = await tempApp({});
    t.after(app.cleanup);
    const r = await runCli(['env'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
  });

  it('a later env file wins; a missing named file and a bad line are one-line errors', T, async (t) => {
    const app = await tempApp({ 'base.env': 'A=1\nB=1\n', 'local.env': 'B=2\n', 'bad.env': 'A=1\nnot an assignment\n' });
    t.after(app.cleanup);
    const layered = await runCli(['env', '--json', '-e', 'base.env, local.env'], { cwd: app.dir });
    assert.deepEqual(JSON.parse(layered.stdout), { A: '1', B: '2' });

    const missing = await runCli(['env', '-e', 'base.env,nope.env'], { cwd: app.dir });
    assert.equal(missing.code, 78);
    assert.match(missing.stderr, /^dozen: env file not found: .*nope\.env\. .*\n$/);

    const bad = await runCli(['env', '-e', 'bad.env'], { cwd: app.dir });
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /^dozen: bad\.env:2: [^\n]*\n$/);

    const lenient = await runCli(['env', '--json', '-e', 'bad.env', '--env-lenient'], { cwd: app.dir });
    assert.equal(lenient.code, 0);
    assert.deepEqual(JSON.parse(lenient.stdout), { A: '1' });
    assert.match(lenient.stderr, /^dozen: warning: bad\.env:2: [^\n]*\n$/);
  });

  it('-e "" reads no env file at all', T, async (t) => {
    const app = await tempApp({ '.env': 'A=1\n' });
    t.after(app.cleanup);
    const r = await runCli(['env', '--json', '-e', ''], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {});
  });

  it('--shell leaves out keys sh cannot export, with a warning', T, async (t) => {
    const app = await tempApp({ '.env': 'good=1\nnot.valid=2\n' });
    t.after(app.cleanup);
    const r = await runCli(['env', '--shell'], { cwd: app.dir });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "export good='1'\n");
    assert.match(r.stderr, /^dozen: warning: not\.valid is not a valid shell variable name/);
  });

  it('works on the bundled example app', T, async () => {
    const r = await runCli(['env', '--json', '-d', 'examples/hello']);
    assert.equal(r.code, 0, r.stderr);
    const vars = JSON.parse(r.stdout);
    assert.equal(vars.GREETING, 'Hello from dozen');
    assert.equal(vars.APP_URL, 'http://localhost:5000');
  });
});
