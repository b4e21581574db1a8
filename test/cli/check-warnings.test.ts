// `dozen check` over things that parse but would not run as meant: `valid, N warnings`, each one
// listed on stderr (and in --json).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { programOf } from '../../src/cli/check-warnings.js';
import { killAllStarted, runCli, tempApp } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

const PROCFILE = ['web: node web.js', 'web python serve.py', 'worker: no-such-program-dozen --queue', 'redis: exec redis-server-not-here', 'clock: PORT=1 sh -c "sleep 1"', ''].join('\n');

describe('dozen check warnings', () => {
  it('a skipped line, programs not on PATH and types -m leaves at 0: valid, N warnings', T, async (t) => {
    const app = await tempApp({ Procfile: PROCFILE });
    t.after(app.cleanup);
    const r = await runCli(['check', '-m', 'web=2,worker=2'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.trimEnd().split('\n');
    assert.equal(warnings.length, 5, r.stderr);
    assert.match(warnings[0] ?? '', /^dozen: warning: Procfile:2: /);
    assert.equal(warnings[1], 'dozen: warning: Procfile:3: worker: "no-such-program-dozen" is not on PATH: sh would exit 127 (command not found).');
    assert.equal(warnings[2], 'dozen: warning: Procfile:4: redis: "redis-server-not-here" is not on PATH: sh would exit 127 (command not found).');
    assert.equal(warnings[3], 'dozen: warning: -m web=2,worker=2 runs no redis: a type -m does not name gets 0 instances (add redis=1, or all=1).');
    assert.match(warnings[4] ?? '', /^dozen: warning: -m web=2,worker=2 runs no clock: /);
    assert.match(r.stdout, /\nvalid, 5 warnings \(above\)\n$/);

    const json = await runCli(['check', '--json', '-m', 'web=2,worker=2'], { cwd: app.dir });
    assert.equal(JSON.parse(json.stdout).warnings.length, 5);
  });

  it('the PATH the processes would see is the one looked in (the env file PATH, with --override)', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: mytool serve\nworker: mytool work\n', 'bin/mytool': '#!/bin/sh\n' });
    t.after(app.cleanup);
    const { chmod } = await import('node:fs/promises');
    await chmod(app.path('bin/mytool'), 0o755);
    await app.write('.env', `PATH=${app.path('bin')}:/usr/bin:/bin\n`);
    const r = await runCli(['check', '--override', '-m', 'web=1', 'web'], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /\nvalid\n$/);
  });

  it('programOf: the first word when it can be told without a shell', () => {
    assert.equal(programOf('gunicorn app:wsgi'), 'gunicorn');
    assert.equal(programOf('FOO=1 BAR=2 exec node x.js'), 'node');
    for (const c of ['./bin/web', '"quoted" x', '$CMD', 'bin/rails s', '(cd x && y)']) assert.equal(programOf(c), undefined, c);
  });
});
