// The doctor's run on fixture apps that break factor V, VI, VIII or XI through what their
// processes do: daemonize, write PID files, write into the app folder, log to files, buffer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { expectFinding, withRun } from './rig.js';

const BOUND = { timeout: 30_000 };

const opts = { bootTimeoutMs: 1_000 };

test('VIII: setsid children and a started process that exits leaving its job running are daemonizing', BOUND, async () => {
  await withRun('run-daemon', opts, (o) => {
    const byType = new Map(o.run.types.map((t) => [t.type, t]));
    assert.equal(byType.get('detach')?.escaped.length, 1);
    assert.equal(byType.get('background')?.escaped.length, 0);
    assert.equal(byType.get('background')?.leftBehind?.length, 1);
    assert.ok((byType.get('stays')?.escaped.length ?? 0) >= 1);
    expectFinding(o, 'concurrency.daemonizes', 'fail', /^detach daemonizes: the started process exited with code 0 after \d+ ms while pid \d+ \(sleep 1000\) kept running/);
    expectFinding(o, 'concurrency.daemonizes', 'fail', /^background daemonizes: .* while pid \d+ \(sleep 1000\) kept running/);
    expectFinding(o, 'concurrency.daemonizes', 'fail', /^stays: pid \d+ \(sleep 1000\).* left the process group dozen started/);
    // A shell that exits 0 leaving a daemon is not a one-off task.
    expectFinding(o, 'admin.one-off-type', 'pass', /every process type kept running/);
  });
});

test('VIII: PID files, by name or by content (a pid of the tree), with the file named', BOUND, async () => {
  await withRun('run-pid-file', opts, (o) => {
    const worker = expectFinding(o, 'concurrency.pid-file', 'fail', /^worker writes a PID file: worker\.pid$/);
    assert.equal(worker.file, 'worker.pid');
    expectFinding(o, 'concurrency.pid-file', 'fail', /^keeper writes a PID file: state\.lock$/);
    const keeper = o.run.types.find((t) => t.type === 'keeper');
    const pid = Number(readFileSync(join(o.root, 'state.lock'), 'utf8'));
    assert.ok(keeper !== undefined && pid > 0);
  });
});

test('V and VI: a process that changes a code file and keeps a cache file in the app folder', BOUND, async () => {
  await withRun('run-writes-code', opts, (o) => {
    assert.deepEqual(o.run.changedFiles, ['data/cache.json', 'settings.py']);
    assert.deepEqual(o.run.createdFiles, ['data/cache.json']);
    expectFinding(o, 'build.writes-code', 'fail', /wrote into its own folder while it ran: data\/cache\.json, settings\.py/);
    expectFinding(o, 'processes.local-state', 'warn', /keep files on the local disk: data\/cache\.json$/);
  });
});

test('XI: a web that logs into app.log (held open for writing) instead of stdout', BOUND, async () => {
  await withRun('run-log-file', opts, (o) => {
    const web = o.run.types[0];
    assert.deepEqual(web?.wroteFiles, [join(o.root, 'app.log')]);
    const f = expectFinding(o, 'logs.log-file', 'fail', /^web writes a log file: app\.log$/);
    assert.equal(f.file, 'app.log');
  });
});

test('XI: a Python worker without -u or PYTHONUNBUFFERED has its stdout block-buffered', BOUND, async () => {
  await withRun('run-python-buffered', opts, (o) => {
    assert.equal(o.run.types[0]?.bufferedPython, true);
    expectFinding(o, 'logs.python-buffered', 'warn', /worker runs Python with stdout block-buffered/);
  });
});
