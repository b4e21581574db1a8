// `dozen config` end to end: the built CLI in temp app folders.
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliResult, killAllStarted, runCli, tempApp, type TempApp } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

const SECRET = 'hunter2-never-printed';

/** Runs `dozen ARGS -d app`. */
function config(app: TempApp, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '-d', app.dir], { env });
}

async function withApp(fn: (app: TempApp) => Promise<void>, files: Record<string, string> = {}): Promise<void> {
  const app = await tempApp(files);
  try {
    await fn(app);
  } finally {
    await app.cleanup();
  }
}

function assertNoSecret(r: CliResult): void {
  assert.ok(!r.stdout.includes(SECRET), `stdout shows a value:\n${r.stdout}`);
  assert.ok(!r.stderr.includes(SECRET), `stderr shows a value:\n${r.stderr}`);
}

describe('dozen config', () => {
  it('lists nothing for a new app, and makes no state folder to do so', T, () =>
    withApp(async (app) => {
      const r = await config(app, ['config']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      const json = await config(app, ['config', '--json']);
      assert.deepEqual([json.code, json.stdout], [0, '{}\n']);
      await assert.rejects(stat(app.path('.dozen')));
    }));

  it('set names the keys, never the values; the list shows them sorted, quoted when needed', T, () =>
    withApp(async (app) => {
      const set = await config(app, ['config', 'set', `TOKEN=${SECRET}`, 'B=x=y', 'EMPTY=', 'A=two words', `Q=it's`]);
      assert.deepEqual([set.code, set.stdout, set.stderr], [0, 'Set TOKEN, B, EMPTY, A, Q\n', '']);
      const list = await config(app, ['config']);
      assert.equal(list.code, 0, list.stderr);
      assert.equal(list.stdout, `A='two words'\nB=x=y\nEMPTY=''\nQ='it'\\''s'\nTOKEN=${SECRET}\n`);
      const json = await config(app, ['config', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), { A: 'two words', B: 'x=y', EMPTY: '', Q: "it's", TOKEN: SECRET });
      const fromEnv = await config(app, ['config'], { DOZEN_JSON: '1' });
      assert.equal(fromEnv.stdout, json.stdout);
    }));

  it('keeps the store in .dozen/config.json, 0600 in a 0700 folder', T, () =>
    withApp(async (app) => {
      assert.equal((await config(app, ['config', 'set', `A=${SECRET}`])).code, 0);
      const file = app.path('.dozen/config.json');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(app.path('.dozen'))).mode & 0o777, 0o700);
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { version: 1, config: { A: SECRET } });
    }));

  it('get prints one value as it is; a key that is not set prints nothing and exits 1', T, () =>
    withApp(async (app) => {
      await config(app, ['config', 'set', 'MULTI=line1\nline2', 'EMPTY=']);
      const got = await config(app, ['config', 'get', 'MULTI']);
      assert.deepEqual([got.code, got.stdout, got.stderr], [0, 'line1\nline2\n', '']);
      const empty = await config(app, ['config', 'get', 'EMPTY']);
      assert.deepEqual([empty.code, empty.stdout], [0, '\n']);
      const missing = await config(app, ['config', 'get', 'NOPE']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stdout, '');
      assert.equal(missing.stderr, 'dozen: NOPE is not set in the config store ("dozen config" lists the keys that are)\n');
    }));

  it('unset names what it removed and what was not set, exit 0 either way', T, () =>
    withApp(async (app) => {
      await config(app, ['config', 'set', `A=${SECRET}`, `B=${SECRET}`, 'C=3']);
      const r = await config(app, ['config', 'unset', 'A', 'NOPE', 'B']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Unset A, B\nNOPE was not set\n', '']);
      const again = await config(app, ['config', 'unset', 'A']);
      assert.deepEqual([again.code, again.stdout], [0, 'A was not set\n']);
      assert.equal((await config(app, ['config'])).stdout, 'C=3\n');
    }));

  it("Heroku's spellings config:set, config:get and config:unset", T, () =>
    withApp(async (app) => {
      const set = await config(app, ['config:set', `A=${SECRET}`]);
      assert.deepEqual([set.code, set.stdout], [0, 'Set A\n']);
      const got = await config(app, ['config:get', 'A']);
      assert.deepEqual([got.code, got.stdout], [0, `${SECRET}\n`]);
      const unset = await config(app, ['config:unset', 'A']);
      assert.deepEqual([unset.code, unset.stdout], [0, 'Unset A\n']);
      assert.equal((await config(app, ['config:get', 'A'])).code, 1);
    }));

  it('finds the app by -d (before or after the subcommand), DOZEN_ROOT, -f, or the current folder', T, () =>
    withApp(async (app) => {
      await mkdir(app.path('other'));
      assert.equal((await runCli(['config', '-d', app.dir, 'set', 'WHERE=d-first'])).code, 0);
      assert.equal((await runCli(['config', 'get', 'WHERE'], { env: { DOZEN_ROOT: app.dir } })).stdout, 'd-first\n');
      // A -d on the command line wins over DOZEN_ROOT, wherever it stands.
      const r = await runCli(['config', '-d', app.path('other'), 'set', 'WHERE=other'], { env: { DOZEN_ROOT: app.dir } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await runCli(['config', 'get', 'WHERE'], { cwd: app.path('other') })).stdout, 'other\n');
      assert.equal((await runCli(['config', 'get', '-f', join(app.dir, 'Procfile'), 'WHERE'])).stdout, 'd-first\n');
      const missing = await runCli(['config', 'set', '-d', app.path('nope'), 'A=1']);
      assert.equal(missing.code, 78);
      assert.match(missing.stderr, /^dozen: app root .*nope: no such folder\. Check -d\/--root\.\n$/);
      await assert.rejects(stat(app.path('nope')));
    }));

  it('bad arguments are one-line usage errors that show no value and change nothing', T, () =>
    withApp(async (app) => {
      const cases: Array<[string[], RegExp]> = [
        [['config', 'set', 'A=1', SECRET], /^dozen: argument 2: expected KEY=VALUE, got a word with no "="\n$/],
        [['config', 'set', `1A=${SECRET}`], /^dozen: argument 1: expected KEY=VALUE with a KEY of letters, digits and "_", not starting with a digit, got "1A="\.\.\.\n$/],
        [['config', 'unset', 'a.b'], /^dozen: expected a config key \(letters, digits and "_", not starting with a digit\), got "a\.b"\n$/],
        [['config', 'get', 'a-b'], /^dozen: expected a config key/],
        [['config', 'set'], /^dozen: missing required argument 'assignments' \(see "dozen config set --help"\)\n$/],
        [['config', 'sett', 'A=1'], /^dozen: unknown command 'config sett' \(expected set, unset, get or import\) \(see "dozen config --help"\)\n$/],
      ];
      for (const [args, expected] of cases) {
        const r = await config(app, args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, expected);
        assertNoSecret(r);
      }
      assert.equal((await config(app, ['config', '--json'])).stdout, '{}\n');
    }));

  it('PORT, PS and DYNO are stored, with a warning that dozen sets them per process', T, () =>
    withApp(async (app) => {
      const r = await config(app, ['config', 'set', 'PORT=4000', 'A=1']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'Set PORT, A\n');
      assert.equal(r.stderr, 'dozen: warning: PORT is set by dozen for each process, which wins over the stored value\n');
      assert.equal((await config(app, ['config', 'get', 'PORT'])).stdout, '4000\n');
    }));

  it('a damaged store is a one-line error naming the file, never a value', T, () =>
    withApp(
      async (app) => {
        for (const args of [['config'], ['config', 'get', 'A'], ['config', 'set', 'B=1']]) {
          const r = await config(app, args);
          assert.equal(r.code, 78);
          assert.equal(r.stdout, '');
          assert.equal(
            r.stderr,
            `dozen: ${app.path('.dozen/config.json')}: damaged config store: it is not valid JSON (restore it, or remove it to start from an empty config)\n`,
          );
          assertNoSecret(r);
        }
      },
      { '.dozen/config.json': `{"version": 1, "config": {"A": ${SECRET}` },
    ));

  it('tells once to list .dozen/ in .gitignore when the app is in a git repository', T, () =>
    withApp(
      async (app) => {
        const first = await config(app, ['config', 'set', 'A=1']);
        assert.equal(first.code, 0);
        assert.equal(first.stderr, `dozen: warning: add ".dozen/" to ${app.path('.gitignore')}: it holds dozen's control socket, logs and config store\n`);
        assert.equal((await config(app, ['config', 'set', 'A=2'])).stderr, '');
      },
      { '.git/HEAD': 'ref: refs/heads/main\n' },
    ));
});

describe('dozen config import', () => {
  const DOTENV = [
    '# the app',
    `TOKEN=${SECRET}`,
    'export GREETING="hello\\nworld"',
    "LITERAL='$NOT_EXPANDED'",
    'URL=http://localhost:${APP_PORT:-5000}/x',
    'FROM_SHELL',
    'UNSET_BARE',
    '',
  ].join('\n');

  it("copies a .env file's values in (as dozen env reads them), naming the keys only", T, () =>
    withApp(
      async (app) => {
        await config(app, ['config', 'set', 'KEEP=1', 'TOKEN=old']);
        const r = await runCli(['config', 'import', 'prod.env', '-d', app.dir], { cwd: app.dir, env: { FROM_SHELL: 'from the shell', APP_PORT: '6000' } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'Set TOKEN, GREETING, LITERAL, URL, FROM_SHELL\n');
        assert.equal(r.stderr, 'dozen: warning: prod.env:7: UNSET_BARE has no value in the file and is not set in the environment; not imported\n');
        assertNoSecret(r);
        const json = JSON.parse((await config(app, ['config', '--json'])).stdout) as Record<string, string>;
        assert.deepEqual(json, {
          FROM_SHELL: 'from the shell',
          GREETING: 'hello\nworld',
          KEEP: '1',
          LITERAL: '$NOT_EXPANDED',
          TOKEN: SECRET,
          URL: 'http://localhost:6000/x',
        });
      },
      { 'prod.env': DOTENV },
    ));

  it('--no-expand keeps $VAR references as written', T, () =>
    withApp(
      async (app) => {
        const r = await config(app, ['config', 'import', '--no-expand', app.path('a.env')]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal((await config(app, ['config', 'get', 'URL'])).stdout, 'http://${HOST:-localhost}\n');
      },
      { 'a.env': 'URL=http://${HOST:-localhost}\n' },
    ));

  it('a file with an error is one line naming FILE:LINE, and nothing is imported', T, () =>
    withApp(
      async (app) => {
        const cases: Array<[string, RegExp]> = [
          ['quote.env', /^dozen: quote\.env:3: unterminated double quote in the value of BROKEN \(expected a closing " before the end of the file\)\n$/],
          ['key.env', /^dozen: key\.env:2: "a\.b" cannot be a config key: keys are letters, digits and "_", not starting with a digit Rename it in the file\.\n$/],
          ['missing.env', /^dozen: cannot read env file missing\.env: no such file\n$/],
        ];
        for (const [file, expected] of cases) {
          const r = await runCli(['config', 'import', file], { cwd: app.dir });
          assert.equal(r.code, 78, r.stderr);
          assert.equal(r.stdout, '');
          assert.match(r.stderr, expected);
          assertNoSecret(r);
        }
        assert.equal((await config(app, ['config'])).stdout, '');
      },
      {
        'quote.env': `A=1\nTOKEN=${SECRET}\nBROKEN="${SECRET}\n`,
        'key.env': `A=1\na.b=${SECRET}\n`,
      },
    ));

  it('an empty file sets nothing', T, () =>
    withApp(
      async (app) => {
        const r = await runCli(['config', 'import', 'empty.env', '-d', app.dir], { cwd: app.dir });
        assert.deepEqual([r.code, r.stdout], [0, 'empty.env defines no keys; nothing set\n']);
      },
      { 'empty.env': '# nothing\n' },
    ));
});
