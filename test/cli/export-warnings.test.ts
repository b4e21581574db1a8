// `dozen export` says what its files hold that the user may not expect: values from the calling
// shell, and a compose `build:` with no Dockerfile.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { killAllStarted, runCli, tempApp } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

describe('dozen export warnings', () => {
  it('names the keys whose value came from the shell (never the values), and --override', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: node web.js\n', '.env': 'DATABASE_URL=postgres://prod\nDEBUG=0\nSECRET_KEY=file\n' });
    t.after(app.cleanup);
    const env = { DATABASE_URL: 'postgres://my-laptop', DEBUG: '1' };
    const r = await runCli(['export', 'systemd', app.path('out'), '-d', app.dir], { cwd: app.dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^dozen: warning: DATABASE_URL, DEBUG: written with the values of the environment dozen runs in, which wins over the env files; --override writes the env files' values instead\.$/m);
    assert.ok(!r.stderr.includes('my-laptop') && !r.stderr.includes('prod'), r.stderr);
    assert.match(await readFile(app.path('out/' + (await envFileName(app.path('out')))), 'utf8'), /my-laptop/);

    const over = await runCli(['export', 'systemd', app.path('out2'), '-d', app.dir, '--override'], { cwd: app.dir, env });
    assert.equal(over.code, 0, over.stderr);
    assert.doesNotMatch(over.stderr, /environment dozen runs in/);
  });

  it('compose without -i and without a Dockerfile says so; with either it does not', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: node web.js\n' });
    t.after(app.cleanup);
    const r = await runCli(['export', 'compose', app.path('out'), '-d', app.dir], { cwd: app.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^dozen: warning: no Dockerfile in \S+: the services' build: cannot make an image from it; add a Dockerfile, or pass -i IMAGE\.$/m);
    const image = await runCli(['export', 'compose', app.path('out'), '-d', app.dir, '-i', 'reg/app:1'], { cwd: app.dir });
    assert.doesNotMatch(image.stderr, /Dockerfile/);
    await app.write('Dockerfile', 'FROM node:20\n');
    const built = await runCli(['export', 'compose', app.path('out'), '-d', app.dir], { cwd: app.dir });
    assert.doesNotMatch(built.stderr, /Dockerfile/);
  });
});

async function envFileName(dir: string): Promise<string> {
  const name = (await readdir(dir)).find((n) => /^[^.]+\.env$/.test(n));
  assert.ok(name, 'an app env file');
  return name;
}
