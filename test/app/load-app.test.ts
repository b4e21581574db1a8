// loadApp and planInstances in-process, on temp folders (absolute paths, so the cwd does not matter).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppSource, loadApp } from '../../src/app/load-app.js';
import { planInstances, processTypes } from '../../src/app/plan.js';
import { DozenError } from '../../src/errors.js';
import { tempApp } from '../cli/helpers.js';

const T = { timeout: 10_000 };

type Source = Omit<AppSource, 'cwd' | 'inherited'>;

function load(source: Source, inherited: NodeJS.ProcessEnv, how: Source = {}) {
  return loadApp({ cwd: process.cwd(), inherited, ...source, ...how });
}

function configError(code: DozenError['code'], pattern: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof DozenError && e.code === code && e.exitCode === 78 && pattern.test(e.oneLine());
}

describe('loadApp', () => {
  it('reads the Procfile and .env of the root, with the config as the child sees it', T, async (t) => {
    const app = await tempApp({ Procfile: 'release: r\nweb: w\nworker: k\n', '.env': 'A=1\nB=${A}2\nHOME=file\n' });
    t.after(app.cleanup);
    const loaded = load({ root: app.dir }, { HOME: '/home/me', PATH: '/bin' });
    assert.equal(loaded.root, app.dir);
    assert.equal(loaded.procfilePath, app.path('Procfile'));
    assert.equal(loaded.procfileFound, true);
    assert.deepEqual(loaded.envFiles, [app.path('.env')]);
    assert.deepEqual(processTypes(loaded), ['web', 'worker']);
    // Only the keys the files define; the inherited HOME wins over the file's.
    assert.deepEqual(loaded.config, { A: '1', B: '12', HOME: '/home/me' });
    assert.deepEqual(loaded.warnings, []);
  });

  it('-f names the Procfile; the root is its folder unless -d says otherwise', T, async (t) => {
    const app = await tempApp({ 'a/Procfile.dev': 'web: w\n', 'b/.env': 'X=b\n', 'a/.env': 'X=a\n' });
    t.after(app.cleanup);
    const byFile = load({ procfile: app.path('a/Procfile.dev') }, {});
    assert.equal(byFile.root, app.path('a'));
    assert.deepEqual(byFile.config, { X: 'a' });
    const both = load({ procfile: app.path('a/Procfile.dev'), root: app.path('b') }, {});
    assert.equal(both.root, app.path('b'));
    assert.deepEqual(both.config, { X: 'b' });
  });

  it('env files: -e in order (later wins), relative to the root; "" reads none; missing is an error', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\n', '.env': 'A=base\n', 'one.env': 'A=1\nB=1\n', 'two.env': 'B=2\n' });
    t.after(app.cleanup);
    assert.deepEqual(load({ root: app.dir, env: 'one.env,two.env' }, {}).config, { A: '1', B: '2' });
    assert.deepEqual(load({ root: app.dir, env: '' }, {}).config, {});
    assert.throws(() => load({ root: app.dir, env: 'one.env,three.env' }, {}), configError('env', /env file not found: .*three\.env/));
  });

  it('warnings are collected as FILE:LINE: text; the first error throws with its location', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\nnonsense\n', '.env': 'A=1\n' });
    t.after(app.cleanup);
    const loaded = load({ root: app.dir }, {});
    assert.equal(loaded.warnings.length, 1);
    assert.match(loaded.warnings[0] ?? '', /Procfile:2: /);

    await app.write('.env', 'A=1\n=oops\n');
    assert.throws(
      () => load({ root: app.dir }, {}),
      (e: unknown) => e instanceof DozenError && e.code === 'env' && e.location?.line === 2 && /\.env$/.test(e.location.file),
    );
  });

  it('a missing Procfile is an error, unless optional', T, async (t) => {
    const app = await tempApp({ '.env': 'A=1\n' });
    t.after(app.cleanup);
    assert.throws(() => load({ root: app.dir }, {}), configError('procfile', /Procfile not found at .*Procfile\./));
    const optional = load({ root: app.dir }, {}, { procfileOptional: true });
    assert.equal(optional.procfileFound, false);
    assert.deepEqual(optional.procfile.entries, []);
    assert.deepEqual(optional.config, { A: '1' });
  });
});

describe('planInstances', () => {
  it('ports follow the Procfile order; PORT as the child sees it sets the base', T, async (t) => {
    const app = await tempApp({ Procfile: 'release: r\nweb: w\nworker: k\n', '.env': 'PORT=6000\n' });
    t.after(app.cleanup);
    const ports = (inherited: Record<string, string>, override: boolean, port?: string): Array<[string, number | undefined]> => {
      const plan = planInstances(load({ root: app.dir, override }, inherited), { formation: 'all=2', port });
      return plan.instances.map((i) => [i.name, i.port]);
    };
    assert.deepEqual(ports({}, false), [['web.1', 6000], ['web.2', 6001], ['worker.1', 6100], ['worker.2', 6101]]);
    assert.deepEqual(ports({ PORT: '4000' }, false)[0], ['web.1', 4000]);
    assert.deepEqual(ports({ PORT: '4000' }, true)[0], ['web.1', 6000]);
    assert.deepEqual(ports({ PORT: '4000' }, false, '7000')[0], ['web.1', 7000]);
  });

  it('without env files, the inherited PORT sets the base; each instance gets the config, PORT, PS, cwd', T, async (t) => {
    const app = await tempApp({ Procfile: 'release: r\nweb: w\n' });
    t.after(app.cleanup);
    const plan = planInstances(load({ root: app.dir, env: '' }, { PORT: '4500' }));
    assert.equal(plan.basePort, 4500);
    assert.equal(plan.instances.length, 1);
    const web = plan.instances[0];
    assert.equal(web?.cwd, app.dir);
    assert.equal(web?.env.PORT, '4500');
    assert.equal(web?.env.PS, 'web.1');
    assert.equal(plan.releasePhase?.command, 'r');
  });

  it('positional types select; an unknown one lists the valid types', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\nworker: k\nclock: c\n' });
    t.after(app.cleanup);
    const loaded = load({ root: app.dir }, {});
    assert.deepEqual(planInstances(loaded, { types: ['clock'] }).instances.map((i) => [i.name, i.port]), [['clock.1', 5200]]);
    const usage = (pattern: RegExp) => (e: unknown) => e instanceof DozenError && e.code === 'usage' && e.exitCode === 2 && pattern.test(e.oneLine());
    assert.throws(() => planInstances(loaded, { types: ['foo'] }), usage(/^unknown process type "foo": expected one of web, worker, clock$/));
    assert.throws(() => planInstances(loaded, { types: ['web', 'release'] }), usage(/"release": expected one of web, worker, clock\..*dozen run release/));
    assert.throws(() => planInstances(loaded, { formation: 'wrker=1' }), configError('formation', /wrker/));
  });
});

describe('a release config snapshot instead of env files', () => {
  it('is the config, wins over the inherited environment, and no .env is read', T, async () => {
    const app = await tempApp({ Procfile: 'web: serve\n', '.env': 'FROM_DOTENV=1\nSHARED=dotenv\n' });
    try {
      const loaded = load({ root: app.dir, config: { release: 'v4', values: { SHARED: 'store', DATABASE_URL: 'postgres://x' } } }, { SHARED: 'shell', HOME: '/h' });
      assert.deepEqual(loaded.config, { SHARED: 'store', DATABASE_URL: 'postgres://x' });
      assert.deepEqual(loaded.envFiles, []);
      assert.deepEqual(loaded.env.vars.map((v) => [v.key, v.source]), [
        ['SHARED', { type: 'config-store', release: 'v4' }],
        ['DATABASE_URL', { type: 'config-store', release: 'v4' }],
      ]);
      const [web] = planInstances(loaded, { formation: undefined, port: '5000', types: [] }).instances;
      assert.equal(web?.env.SHARED, 'store', 'the snapshot, not the shell');
      assert.equal(web?.env.FROM_DOTENV, undefined);
    } finally {
      await app.cleanup();
    }
  });
});
