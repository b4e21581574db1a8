// The doctor's run on clean apps: no fail, nothing left running, the app folder unchanged, and
// the whole run within the boot timeout plus a few seconds. Also: an interrupted run, and the
// cases with nothing to run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { observeApp } from '../../../src/doctor/run/observe.js';
import { markedProcesses } from '../../../src/doctor/run/proc-watch.js';
import { DYNAMIC_CHECKS } from '../../../src/doctor/checks/dynamic.js';
import { repoRoot } from '../../cli/helpers.js';
import { cliPath, copyApp, expectNoLeftovers, factsOf, fixturesDir, observeFixture, report, treeHash } from './rig.js';

const BOUND = { timeout: 40_000 };
/** The doctor's default boot timeout. */
const BOOT_MS = 10_000;
/** "The boot timeout plus a few seconds" for a small app; measured runs take 3-4 s. */
const RUN_BOUND_MS = BOOT_MS + 3_000;

for (const [name, source] of [
  ['examples/hello (release phase, Node web and worker)', join(repoRoot, 'examples/hello')],
  ['a Python http.server web with -u', join(fixturesDir, 'run-python-web')],
  ['a Node.js web and worker', join(fixturesDir, 'run-node-web')],
] as const) {
  test(`clean: ${name} gets no fail and no warn, and its folder is unchanged`, BOUND, async () => {
    let before = '';
    const o = await observeFixture(source, { bootTimeoutMs: BOOT_MS, stopTimeoutMs: 5_000, prepare: (root) => (before = treeHash(root)) });
    try {
      expectNoLeftovers(o);
      assert.equal(treeHash(o.root), before, 'the app folder changed');
      const bad = DYNAMIC_CHECKS.flatMap((c) => c.run({ facts: o.facts, run: o.run })).filter((f) => f.status === 'fail' || f.status === 'warn');
      assert.deepEqual(bad, [], report(o));
      for (const t of o.run.types) {
        assert.equal(t.recovered, true, `${t.type} came back after SIGKILL`);
        assert.equal(t.stop?.graceful, true, `${t.type} stopped on SIGTERM`);
      }
      assert.equal(o.run.runSameConfig, true);
      assert.ok(o.elapsedMs < RUN_BOUND_MS, `the run took ${o.elapsedMs} ms`);
    } finally {
      o.dispose();
    }
  });
}

test('interrupted: aborting mid-run stops everything and reports the run as skipped', BOUND, async () => {
  const app = copyApp(join(repoRoot, 'examples/hello'));
  const token = 'abort-test';
  const controller = new AbortController();
  try {
    const started = performance.now();
    const running = observeApp(factsOf(app.root), { bootTimeoutMs: BOOT_MS, stopTimeoutMs: 5_000, dozenCli: cliPath, token, signal: controller.signal });
    // Once the formation's processes are up.
    const deadline = Date.now() + 10_000;
    while (markedProcesses(token).filter((p) => p.instance !== 'run' && p.instance !== 'release').length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const run = await running;
    assert.equal(run.skipped, 'interrupted');
    assert.deepEqual(markedProcesses(token), []);
    assert.ok(performance.now() - started < 8_000);
  } finally {
    app.dispose();
  }
});

test('nothing to run: no Procfile, or no process type in it, is a skipped run', async () => {
  const base = { root: '/nowhere', envFiles: [], config: {}, files: [] };
  const opts = { bootTimeoutMs: 1_000, stopTimeoutMs: 1_000, dozenCli: cliPath };
  assert.equal((await observeApp(base, opts)).skipped, 'no Procfile: nothing to run');
  const releaseOnly = { ...base, procfile: { path: 'Procfile', entries: [{ name: 'release', command: 'true', line: 1 }] } };
  assert.equal((await observeApp(releaseOnly, opts)).skipped, 'the Procfile declares no process types');
});
