// The doctor's run on fixture apps that break factor VII, IX or XII: each test finds that
// factor's finding, and nothing the run started is left alive.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { kernelFreePort } from '../../../src/platform/free-port.js';
import { expectFinding, findingsOf, report, withRun } from './rig.js';

const BOUND = { timeout: 30_000 };

test('VII: a web that listens on a port of its own choosing is named with that port', BOUND, async () => {
  const fixed = await kernelFreePort();
  const prepare = (root: string) => writeFileSync(join(root, '.env'), `FIXED_PORT=${fixed}\n`);
  await withRun('run-fixed-port', { bootTimeoutMs: 1_000, prepare }, (o) => {
    const web = o.run.types.find((t) => t.type === 'web');
    assert.deepEqual(web?.listened, [fixed]);
    const f = expectFinding(o, 'ports.binds-port', 'fail', new RegExp(`does not listen on \\$PORT \\(${web?.port}\\) but on ${fixed}, a port of its own choosing`));
    assert.match(f.fix ?? '', /\$PORT/);
  });
});

test('VII: a web that never listens fails, after twice the boot timeout', BOUND, async () => {
  await withRun('run-never-listens', { bootTimeoutMs: 1_000 }, (o) => {
    expectFinding(o, 'ports.binds-port', 'fail', /web did not listen on \$PORT \(\d+\) within 2 s/);
    // Never ready: no sudden death to try, but SIGTERM still is.
    assert.equal(o.run.types[0]?.recovered, undefined);
    expectFinding(o, 'disposability.sigterm', 'pass', /web stopped/);
  });
});

test('IX: a process that ignores SIGTERM needs SIGKILL after the stop timeout', BOUND, async () => {
  await withRun('run-ignores-sigterm', { bootTimeoutMs: 1_000, stopTimeoutMs: 800 }, (o) => {
    const stop = o.run.types[0]?.stop;
    assert.equal(stop?.graceful, false);
    assert.ok((stop?.afterMs ?? 0) >= 800, `killed after ${stop?.afterMs} ms`);
    expectFinding(o, 'disposability.sigterm', 'fail', /worker did not stop within 800 ms of SIGTERM: SIGKILL was needed/);
  });
});

test('IX: a web ready later than the boot timeout is a slow start (warn), and VII passes', BOUND, async () => {
  // SLOW_MS=1300 in the fixture's .env: ready at ~1.4-1.8 s, past the 1.2 s boot timeout, within twice it.
  await withRun('run-slow-start', { bootTimeoutMs: 1_200 }, (o) => {
    const after = o.run.types[0]?.readyAfterMs ?? 0;
    assert.ok(after > 1_200, `ready after ${after} ms`);
    expectFinding(o, 'disposability.slow-start', 'warn', /web took \d(\.\d)? s to accept connections, more than the boot timeout \(1\.2 s\)/);
    expectFinding(o, 'ports.binds-port', 'pass', /web listens on \$PORT/);
  });
});

test('IX: a type that does not come back after a SIGKILL (its lock file left behind) fails sudden death', BOUND, async () => {
  await withRun('run-no-recover', { bootTimeoutMs: 1_000 }, (o) => {
    assert.equal(o.run.types[0]?.recovered, false);
    const f = expectFinding(o, 'disposability.sudden-death', 'fail', /worker exited again at once when started after a SIGKILL/);
    assert.match(f.evidence, /worker\.lock exists/);
    // The lock it took is the app's doing, in the app folder: V and VI say so.
    assert.deepEqual(o.run.changedFiles, ['worker.lock']);
  });
});

test('XII: a type that exits 0 at once is a one-off task declared as a process type', BOUND, async () => {
  await withRun('run-one-off', { bootTimeoutMs: 2_000 }, (o) => {
    const migrate = o.run.types.find((t) => t.type === 'migrate');
    assert.equal(migrate?.exitedOnItsOwn?.code, 0);
    expectFinding(o, 'admin.one-off-type', 'fail', /migrate exited with code 0 after \d+ ms: a one-off task/);
    // The web beside it is fine, and an exit with code 0 is no failed start.
    assert.deepEqual(findingsOf(o, 'ports.binds-port').map((f) => f.status), ['pass'], report(o));
    assert.deepEqual(findingsOf(o, 'disposability.exits-at-start').map((f) => f.status), ['pass']);
  });
});
