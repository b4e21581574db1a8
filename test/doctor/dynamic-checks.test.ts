// The dynamic checks as pure functions: hand-made observations in, findings out.
import assert from 'node:assert/strict';
import test from 'node:test';
import { DYNAMIC_CHECKS, duration, isLogPath, type DynamicInput } from '../../src/doctor/checks/dynamic.js';
import type { AppFacts, Finding, RunObservations, TypeObservation } from '../../src/doctor/types.js';

const facts: AppFacts = { root: '/app', envFiles: [], config: { GREETING: 'hi', SECRET: 's3cret-value' }, files: [] };

function type(name: string, more: Partial<TypeObservation> = {}): TypeObservation {
  return { type: name, command: `run-${name}`, listened: [], escaped: [], wroteFiles: [], pidFiles: [], ...more };
}

function runOf(types: TypeObservation[], more: Partial<RunObservations> = {}): RunObservations {
  return { bootTimeoutMs: 10_000, stopTimeoutMs: 5_000, types, changedFiles: [], ...more };
}

/** A clean run: a web ready on its port and a worker, both stopping and coming back. */
const clean = runOf(
  [
    type('web', { port: 5000, listened: [5000], readyAfterMs: 240, stop: { graceful: true, afterMs: 30 }, recovered: true }),
    type('worker', { port: 5100, stop: { graceful: true, afterMs: 12 }, recovered: true }),
  ],
  { releasePhase: { code: 0, afterMs: 120 }, runSameConfig: true, createdFiles: [] },
);

function findings(run: RunObservations, id?: string): Finding[] {
  const input: DynamicInput = { facts, run };
  return DYNAMIC_CHECKS.filter((c) => id === undefined || c.id === id).flatMap((c) => c.run(input));
}

function only(run: RunObservations, id: string): Array<[Finding['status'], string]> {
  return findings(run, id).map((f) => [f.status, f.message]);
}

test('every check has a unique id and says nothing about a skipped run', () => {
  const ids = DYNAMIC_CHECKS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(findings({ ...clean, skipped: '--static' }), []);
});

test('a clean run: no fail, no warn; each finding names its own check', () => {
  const all = findings(clean);
  assert.deepEqual(all.filter((f) => f.status === 'fail' || f.status === 'warn'), []);
  for (const c of DYNAMIC_CHECKS) assert.ok(c.run({ facts, run: clean }).every((f) => f.check === c.id), c.id);
  // Python did not run: said as a skip with its reason.
  assert.deepEqual(only(clean, 'logs.python-buffered'), [['skip', 'no Python process ran']]);
});

test('VII: $PORT, another port, an extra port, nothing, an early exit, no web', () => {
  assert.deepEqual(only(clean, 'ports.binds-port'), [['pass', 'web listens on $PORT (5000) after 240 ms']]);
  const other = runOf([type('web', { port: 5000, listened: [8080] })]);
  assert.deepEqual(only(other, 'ports.binds-port'), [['fail', 'web does not listen on $PORT (5000) but on 8080, a port of its own choosing']]);
  const extra = runOf([type('web', { port: 5000, listened: [5000, 9229], readyAfterMs: 100 })]);
  assert.deepEqual(only(extra, 'ports.binds-port').map(([s]) => s), ['pass', 'warn']);
  assert.match(findings(extra, 'ports.binds-port')[1]?.message ?? '', /also listens on 1 port 9229/);
  const none = runOf([type('web', { port: 5000 })]);
  assert.deepEqual(only(none, 'ports.binds-port'), [['fail', 'web did not listen on $PORT (5000) within 20 s']]);
  const exited = runOf([type('web', { port: 5000, exitedOnItsOwn: { code: 1, signal: null, afterMs: 80 }, lastOutput: ['Error: no DATABASE_URL'] })]);
  const [f] = findings(exited, 'ports.binds-port');
  assert.equal(f?.message, 'web exited with code 1 after 80 ms before listening on $PORT (5000)');
  assert.match(f?.evidence ?? '', /last output: Error: no DATABASE_URL/);
  const unreachable = runOf([type('web', { port: 5000, listened: [5000] })]);
  assert.equal(only(unreachable, 'ports.binds-port')[0]?.[0], 'warn');
  assert.deepEqual(only(runOf([type('worker')]), 'ports.binds-port'), [['skip', 'no web process type: nothing has to listen on $PORT']]);
});

test('VIII: daemonizing (escaped, or left behind by an exit) and PID files by type or by path', () => {
  const sleeper = { pid: 42, command: 'sleep 1000' };
  const run = runOf([
    type('detach', { exitedOnItsOwn: { code: 0, signal: null, afterMs: 5 }, escaped: [sleeper], leftBehind: [sleeper] }),
    type('bg', { exitedOnItsOwn: { code: 0, signal: null, afterMs: 200 }, leftBehind: [sleeper] }),
    type('stays', { escaped: [sleeper] }),
  ]);
  assert.deepEqual(only(run, 'concurrency.daemonizes'), [
    ['fail', 'detach daemonizes: the started process exited with code 0 after 5 ms while pid 42 (sleep 1000) kept running'],
    ['fail', 'bg daemonizes: the started process exited with code 0 after 200 ms while pid 42 (sleep 1000) kept running'],
    ['fail', 'stays: pid 42 (sleep 1000) left the process group dozen started (setsid or a double fork): stop signals miss it'],
  ]);
  // Leaving a daemon is daemonizing, not a one-off task.
  assert.deepEqual(only(run, 'admin.one-off-type'), [['pass', 'every process type kept running']]);

  const pids = runOf([type('worker', { pidFiles: ['/app/tmp/worker.pid', '/run/other.pid'] })], { changedFiles: ['tmp/worker.pid', 'server.pid'] });
  const found = findings(pids, 'concurrency.pid-file');
  assert.deepEqual(found.map((f) => [f.message, f.file]), [
    ['worker writes a PID file: tmp/worker.pid', 'tmp/worker.pid'],
    ['worker writes a PID file: /run/other.pid', undefined],
    ['the app writes a PID file: server.pid', 'server.pid'],
  ]);
  assert.equal(only(clean, 'concurrency.pid-file')[0]?.[0], 'pass');
});

test('IX: slow start warns past the boot timeout; SIGTERM needing SIGKILL fails; no recovery fails; early crashes fail', () => {
  const slow = runOf([type('web', { port: 5000, listened: [5000], readyAfterMs: 12_300 })]);
  assert.deepEqual(only(slow, 'disposability.slow-start'), [['warn', 'web took 12 s to accept connections, more than the boot timeout (10 s)']]);
  assert.deepEqual(only(runOf([type('worker')]), 'disposability.slow-start'), [['skip', 'no process listened on its port: no start-up to time']]);

  const stubborn = runOf([type('worker', { stop: { graceful: false, afterMs: 5_004 } })]);
  assert.deepEqual(only(stubborn, 'disposability.sigterm'), [['fail', 'worker did not stop within 5 s of SIGTERM: SIGKILL was needed']]);
  assert.deepEqual(only(runOf([type('worker')]), 'disposability.sigterm'), [['skip', 'no process was still running to be sent SIGTERM']]);

  const gone = runOf([type('web', { readyAfterMs: 100, recovered: false }), type('worker', { recovered: false, lastOutput: ['worker.lock exists'] })]);
  assert.deepEqual(only(gone, 'disposability.sudden-death'), [
    ['fail', 'web did not accept connections again within 20 s when started after a SIGKILL'],
    ['fail', 'worker exited again at once when started after a SIGKILL'],
  ]);
  assert.match(findings(gone, 'disposability.sudden-death')[1]?.evidence ?? '', /worker\.lock exists/);

  const crash = runOf([type('worker', { exitedOnItsOwn: { code: null, signal: 'SIGSEGV', afterMs: 1_500 } })]);
  assert.deepEqual(only(crash, 'disposability.exits-at-start'), [['fail', 'worker was killed by SIGSEGV after 1.5 s after it was started']]);
});

test('V and VI: files written under the app folder; the release phase', () => {
  const wrote = runOf([type('worker')], { changedFiles: ['a.txt', 'app.log', 'b', 'c', 'd', 'e', 'f', 'x.pid'], createdFiles: ['a.txt', 'app.log', 'x.pid'] });
  const [code] = findings(wrote, 'build.writes-code');
  assert.equal(code?.status, 'fail');
  assert.equal(code?.message, 'the app wrote into its own folder while it ran: a.txt, app.log, b, c, d and 3 more');
  // Log files and PID files have checks of their own: local state is the rest.
  assert.deepEqual(only(wrote, 'processes.local-state'), [['warn', 'the processes keep files on the local disk: a.txt']]);
  assert.deepEqual(only(clean, 'build.release-phase'), [['pass', 'the release phase succeeded in 120 ms']]);
  assert.deepEqual(only({ ...clean, releasePhase: { code: 5, afterMs: 1_200 } }, 'build.release-phase'), [
    ['fail', 'the release phase exited with code 5 after 1.2 s: a release would not start'],
  ]);
  assert.equal(only({ ...clean, releasePhase: { code: null, afterMs: 10_000 } }, 'build.release-phase')[0]?.[0], 'warn');
  assert.equal(only(runOf([]), 'build.release-phase')[0]?.[0], 'skip');
});

test('XI: log files held open or changed; buffered Python', () => {
  const npmLog = '/home/u/.npm/_logs/2024-01-01T00_00_00_000Z-debug-0.log';
  const logs = runOf([type('web', { wroteFiles: ['/app/logs/web.txt', '/var/log/app/out', '/tmp/cache.bin', npmLog] })], { changedFiles: ['logs/web.txt', 'worker.log'] });
  assert.deepEqual(only(logs, 'logs.log-file'), [
    ['fail', 'web writes a log file: logs/web.txt'],
    ['fail', 'web writes a log file: /var/log/app/out'],
    ['fail', 'the app writes a log file: worker.log'],
  ]);
  const py = runOf([type('worker', { bufferedPython: true }), type('web', { bufferedPython: false })]);
  assert.deepEqual(only(py, 'logs.python-buffered').map(([s]) => s), ['warn']);
  assert.deepEqual(only(runOf([type('web', { bufferedPython: false })]), 'logs.python-buffered').map(([s]) => s), ['pass']);
  assert.deepEqual(['app.log', 'log/x', 'a/logs/b.txt', '/var/log/syslog', 'logger.py', 'catalog/x'].map(isLogPath), [true, true, true, true, false, false]);
});

test('XII: one-off types (quick: fail, later: warn); dozen run with other values (keys only), or failing', () => {
  const run = runOf([type('migrate', { exitedOnItsOwn: { code: 0, signal: null, afterMs: 340 } }), type('report', { exitedOnItsOwn: { code: 0, signal: null, afterMs: 4_000 } })]);
  assert.deepEqual(only(run, 'admin.one-off-type'), [
    ['fail', 'migrate exited with code 0 after 340 ms: a one-off task declared as a long-running process type'],
    ['warn', 'report exited with code 0 after 4 s: a one-off task declared as a long-running process type'],
  ]);
  assert.match(findings(run, 'admin.one-off-type')[0]?.fix ?? '', /release: .*dozen run migrate/);

  const differs = { ...clean, runSameConfig: false, runConfigDiffering: ['SECRET'] };
  const [f] = findings(differs, 'admin.run-same-config');
  assert.equal(f?.message, 'dozen run gets other values than the processes for SECRET');
  assert.ok(!JSON.stringify(f).includes('s3cret-value'), 'a value was shown');
  assert.deepEqual(only({ ...clean, runSameConfig: false, runConfigProblem: 'dozen run exited with code 78' }, 'admin.run-same-config'), [
    ['fail', 'dozen run could not be compared: dozen run exited with code 78'],
  ]);
  assert.deepEqual(only(clean, 'admin.run-same-config'), [['pass', 'dozen run gets the same config as the processes']]);
  assert.equal(only(runOf([]), 'admin.run-same-config')[0]?.[0], 'skip');
});

test('durations read as a person says them', () => {
  assert.deepEqual([0, 340, 999, 1_000, 1_250, 9_940, 12_300, 60_000].map(duration), ['0 ms', '340 ms', '999 ms', '1 s', '1.3 s', '9.9 s', '12 s', '60 s']);
});
