// app.json's health checks (Dokku's `healthchecks.web`): the reader alone, then through loadApp,
// planInstances and the AppModel, with --health-path over it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthPathsOf } from '../../src/app/app-json.js';
import { appModel } from '../../src/app/app-model.js';
import { loadApp } from '../../src/app/load-app.js';
import { planInstances } from '../../src/app/plan.js';
import { DozenError } from '../../src/errors.js';
import { tempApp } from '../cli/helpers.js';

const T = { timeout: 10_000 };

function fails(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof DozenError, String(e));
    assert.equal(e.exitCode, 78);
    assert.match(e.oneLine(), pattern);
    return true;
  };
}

describe('app.json health checks', () => {
  it("takes the first startup check of web with a path, as Dokku reads it", () => {
    const text = JSON.stringify({
      name: 'my-app',
      scripts: { dokku: { predeploy: 'x' } },
      healthchecks: {
        web: [
          { type: 'startup', name: 'uptime', uptime: 5 },
          { type: 'liveness', path: '/alive' },
          { type: 'startup', name: 'web check', path: '/health/ready', attempts: 3, timeout: 5, wait: 2, initialDelay: 0, content: 'ok', port: 8080 },
          { path: '/second' },
        ],
      },
    });
    assert.deepEqual(healthPathsOf(text, 'app.json'), { web: '/health/ready' });
  });

  it('a check without a type is a startup check; checks of other types are not read', () => {
    assert.deepEqual(healthPathsOf('{"healthchecks":{"web":[{"path":"/up"}],"worker":[{"path":"/w"}]}}', 'app.json'), { web: '/up' });
    assert.deepEqual(healthPathsOf('{"healthchecks":{"worker":[{"type":"startup","path":"/w"}]}}', 'app.json'), {});
    assert.deepEqual(healthPathsOf('{"healthchecks":{"web":[{"type":"startup","listening":true}]}}', 'app.json'), {});
    assert.deepEqual(healthPathsOf('{"name":"no checks"}', 'app.json'), {});
  });

  it('malformed: one line naming the file, with the line and column of a JSON error', () => {
    assert.throws(() => healthPathsOf('{\n  "healthchecks": {\n    "web": [],\n  }\n}', 'app.json'), fails(/^app\.json:4:3: not valid JSON: Expected double-quoted property name$/));
    assert.throws(() => healthPathsOf('{"healthchecks": ', 'app.json'), fails(/^app\.json:1:18: not valid JSON: Unexpected end of JSON input$/));
    assert.throws(() => healthPathsOf('[1]', 'app.json'), fails(/^app\.json: expected a JSON object, got an array$/));
    assert.throws(() => healthPathsOf('{"healthchecks":{"web":{"path":"/x"}}}', 'app.json'), fails(/^app\.json: healthchecks\.web: .*expected array/));
    assert.throws(() => healthPathsOf('{"healthchecks":{"web":[{"path":5}]}}', 'app.json'), fails(/^app\.json: healthchecks\.web\[0\]\.path: .*expected string/));
    assert.throws(() => healthPathsOf('{"healthchecks":{"web":[{"path":"/x","attempts":"3"}]}}', 'app.json'), fails(/healthchecks\.web\[0\]\.attempts: .*expected number/));
    assert.throws(() => healthPathsOf('{"healthchecks":{"web":[{"path":"health"}]}}', 'app.json'), fails(/^app\.json: healthchecks\.web\[0\]\.path: expected a path starting with "\/".*got "health"$/));
  });

  it('loadApp reads app.json from the root; planInstances and the AppModel put the path on web specs only', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\nworker: k\n', 'app.json': '{"healthchecks":{"web":[{"type":"startup","path":"/health"}]}}' });
    t.after(app.cleanup);
    const loaded = loadApp({ cwd: app.dir, root: app.dir, inherited: {} });
    assert.deepEqual(loaded.healthPaths, { web: '/health' });
    const plan = planInstances(loaded, { formation: 'web=2,worker=1', port: '5000' });
    assert.deepEqual(plan.instances.map((s) => [s.name, s.healthPath]), [['web.1', '/health'], ['web.2', '/health'], ['worker.1', undefined]]);
    const model = appModel(loaded, 5000);
    assert.equal(model.specFor('web', 3).healthPath, '/health', 'scaled-in web instances get it too');
    assert.equal(model.specFor('worker', 2).healthPath, undefined);
    const flagged = loadApp({ cwd: app.dir, root: app.dir, inherited: {}, healthPath: '/ready' });
    assert.deepEqual(flagged.healthPaths, { web: '/ready' }, '--health-path wins');
  });

  it('no app.json: no health path; --health-path alone gives one; a bad app.json or flag fails loadApp', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\n' });
    t.after(app.cleanup);
    assert.deepEqual(loadApp({ cwd: app.dir, root: app.dir, inherited: {} }).healthPaths, {});
    assert.deepEqual(loadApp({ cwd: app.dir, root: app.dir, inherited: {}, healthPath: '/h' }).healthPaths, { web: '/h' });
    assert.throws(
      () => loadApp({ cwd: app.dir, root: app.dir, inherited: {}, healthPath: 'h' }),
      (e) => e instanceof DozenError && e.code === 'usage' && /^--health-path: expected a path starting with "\/"/.test(e.oneLine()),
    );
    const bad = await tempApp({ Procfile: 'web: w\n', 'app.json': '{"healthchecks": {"web": [],}}' });
    t.after(bad.cleanup);
    assert.throws(() => loadApp({ cwd: bad.dir, root: bad.dir, inherited: {} }), fails(/^app\.json:1:29: not valid JSON: Expected double-quoted property name$/));
    const worse = await tempApp({ Procfile: 'web: w\n', 'app.json': '{"healthchecks": nope}' });
    t.after(worse.cleanup);
    assert.throws(() => loadApp({ cwd: worse.dir, root: worse.dir, inherited: {} }), fails(/^app\.json: not valid JSON: Unexpected token/));
  });
});
