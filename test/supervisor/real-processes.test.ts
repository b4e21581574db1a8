// Integration: the supervisor with real `sh -c` children (the fixture child), real signals,
// real pipes. Every wait is bounded; after each test no pid it saw is alive.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import type { ProcessSpec } from '../../src/formation/types.js';
import { DEFAULT_IDLE_MS } from '../../src/platform/line-splitter.js';
import { createSupervisor, type Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.js';
import { assertAllGone, childCommand, EventLog, freePort, Gates, waitUntil } from '../fixtures/harness.js';

function spec(name: string, command: string, port?: number): ProcessSpec {
  const [type = name, index = '1'] = name.split('.');
  return { name, type, index: Number(index), command, port, env: port === undefined ? {} : { PORT: String(port) }, cwd: tmpdir() };
}

/** The event logs of the current test: every pid they saw must be gone after it. */
let logs: EventLog[] = [];
afterEach(async () => {
  const pids = logs.flatMap((log) => log.pids());
  logs = [];
  await assertAllGone(pids, 1_500);
});

function start(specs: ProcessSpec[], opts: Partial<SupervisorOptions> = {}): { sup: Supervisor; log: EventLog; exit: Promise<number> } {
  const sup = createSupervisor({ specs, timeoutMs: 3_000, ...opts });
  const log = new EventLog(sup);
  logs.push(log);
  const exit = sup.run();
  return { sup, log, exit };
}

/** The run's exit code, bounded: on timeout force-kill everything and fail with what was seen. */
async function exitOf(r: { sup: Supervisor; log: EventLog; exit: Promise<number> }, timeoutMs = 15_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void r.sup.forceKill();
      reject(new Error(`supervisor did not finish within ${timeoutMs} ms\n${r.log.dump()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([r.exit, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ask for a graceful stop, then wait (bounded) for the exit code. */
function shutdownAndWait(r: { sup: Supervisor; log: EventLog; exit: Promise<number> }, reason: string, code: number, timeoutMs?: number): Promise<number> {
  void r.sup.shutdown(reason, code);
  return exitOf(r, timeoutMs);
}

test('stop: SIGTERM to every group, the child ignoring it is SIGKILLed at the timeout, grandchildren too', { timeout: 30_000 }, async () => {
  const r = start(
    [spec('stubborn.1', childCommand('pid', 'ignore-term', 'grandchild', 'ready')), spec('polite.1', childCommand('pid', 'trap-term:200', 'ready'))],
    { timeoutMs: 1_500 },
  );
  await r.log.waitForOutput('stubborn.1', /^ready$/m);
  await r.log.waitForOutput('polite.1', /^ready$/m);
  const pids = r.log.pids();
  assert.equal(pids.length, 3, `2 apps (exec'd by sh: each is its group's leader), 1 grandchild: ${pids}`);
  assert.equal(await shutdownAndWait(r, 'received SIGTERM', 143), 143);
  assert.match(r.log.output('stubborn.1'), /^ignoring SIGTERM$/m);
  assert.match(r.log.output('polite.1'), /^got SIGTERM$/m);
  const status = new Map(r.sup.status().map((s) => [s.name, s]));
  assert.deepEqual(status.get('stubborn.1')?.lastExit, { reason: 'killed' });
  assert.deepEqual(status.get('polite.1')?.lastExit, { reason: 'exit-code', code: 0 }, 'its handler exited 0');
  assert.ok(r.log.messages().includes('stubborn.1 did not stop within 1.5 s: sending SIGKILL'), r.log.dump());
  // The formation waits for every group: nothing is left when run() resolves.
  await assertAllGone(pids, 200);
});

test('a graceful SIGTERM handler: its exit code is what dozen reports (sh exec\'d the app)', { timeout: 30_000 }, async () => {
  const r = start([
    spec('graceful.1', childCommand('pid', 'trap-term:300:7', 'ready')),
    spec('clean.1', `NAME=clean ${childCommand('pid', 'trap-term:100', 'ready')}`),
    // Not one simple command: sh stays in front of the app and dies of the signal at once.
    spec('compound.1', `${childCommand('pid', 'trap-term:100', 'ready')} || true`),
  ]);
  for (const name of ['graceful.1', 'clean.1', 'compound.1']) await r.log.waitForOutput(name, /^ready$/m);
  const leader = (name: string) => r.sup.status().find((s) => s.name === name)?.pid;
  const appPid = (name: string) => Number(/^pid (\d+)$/m.exec(r.log.output(name))?.[1]);
  assert.equal(leader('graceful.1'), appPid('graceful.1'), 'the app is the process dozen watches');
  assert.equal(leader('clean.1'), appPid('clean.1'), 'also after an assignment');
  assert.notEqual(leader('compound.1'), appPid('compound.1'), 'sh + app');
  assert.equal(await shutdownAndWait(r, 'received SIGTERM', 143), 143);
  const last = new Map(r.sup.status().map((s) => [s.name, s.lastExit]));
  assert.deepEqual(last.get('graceful.1'), { reason: 'exit-code', code: 7 });
  assert.deepEqual(last.get('clean.1'), { reason: 'exit-code', code: 0 });
  assert.deepEqual(last.get('compound.1'), { reason: 'signal', signal: 'SIGTERM' });
  assert.ok(r.log.messages().includes('graceful.1 exited with code 7'), r.log.dump());
  assert.ok(r.log.messages().includes('clean.1 exited with code 0'), r.log.dump());
  assert.match(r.log.output('graceful.1'), /^got SIGTERM$/m);
});

test('exit code: the first process to exit stops the formation with its code', { timeout: 30_000 }, async (t) => {
  const gates = Gates.for(t);
  const r = start([spec('web.1', childCommand('pid', 'ready')), spec('worker.1', childCommand('pid', 'grandchild', `wait-file:${gates.path('exit')}`, 'exit:3'))]);
  await r.log.waitForOutput('web.1', /^ready$/m);
  // worker.1 exits once web.1 is up and its own grandchild was seen.
  await r.log.waitForOutput('worker.1', /^grandchild \d+$/m);
  gates.open('exit');
  assert.equal(await exitOf(r), 3);
  assert.ok(r.log.messages().includes('worker.1 exited with code 3'), r.log.dump());
  assert.ok(r.log.messages().includes('worker.1 is not in --can-die: sending SIGTERM to all processes'), r.log.dump());
  await assertAllGone(r.log.pids(), 200);
});

test('release runs first, its output tagged release; a failing release aborts with its code', { timeout: 30_000 }, async (t) => {
  const gates = Gates.for(t);
  const release = childCommand('line:migrating', `wait-file:${gates.path('migrated')}`, 'line:migrated', 'exit:0');
  const ok = start([spec('web.1', 'echo web-started; exit 0')], { releasePhase: spec('release', release) });
  // The release is held until the test has seen it run: a web.1 started beside it would be spawned by then.
  await ok.log.waitForOutput('release', /^migrating$/m);
  gates.open('migrated');
  assert.equal(await exitOf(ok), 0);
  assert.equal(ok.log.output('release'), 'migrating\nmigrated\n');
  const order = ok.log.events.flatMap((e) => (e.type === 'spawned' ? [e.instance] : e.type === 'exited' ? [`${e.instance} exited`] : []));
  assert.deepEqual(order.slice(0, 3), ['release', 'release exited', 'web.1']);

  const bad = start([spec('web.1', 'echo should-not-run')], { releasePhase: spec('release', 'echo failing >&2; exit 4') });
  assert.equal(await exitOf(bad), 4);
  assert.equal(bad.log.output('web.1'), '');
  assert.equal(bad.log.output('release'), 'failing\n');
  assert.ok(bad.log.messages().some((m) => m.startsWith('the release phase failed: not starting the processes')), bad.log.dump());
});

test('--can-die: those exit alone; dozen exits when none is left, with the first failure', { timeout: 30_000 }, async (t) => {
  const gates = Gates.for(t);
  const exitWhenLet = (name: string, code: number) => spec(name, childCommand(`wait-file:${gates.path(name)}`, `exit:${code}`));
  const r = start([exitWhenLet('a.1', 0), exitWhenLet('b.1', 6), exitWhenLet('c.1', 2)], { canDie: ['a', 'b', 'c'] });
  await waitUntil(() => r.sup.status().every((s) => s.state === 'running'), 'a.1, b.1 and c.1 running', 10_000, () => r.log.dump());
  // One after another, each once dozen has seen the one before exit.
  for (const name of ['a.1', 'b.1', 'c.1']) {
    gates.open(name);
    await r.log.waitForEvent((e) => e.type === 'exited' && e.instance === name, `${name} to exit`);
  }
  assert.equal(await exitOf(r), 6);
  assert.deepEqual(r.log.events.filter((e) => e.type === 'formation-stopping').length, 1);
  assert.ok(!r.log.messages().some((m) => m.includes('sending SIGTERM')), 'nobody had to be stopped');
});

test('restart on-failure: backoff between attempts, then shutdown stops the cycle', { timeout: 30_000 }, async () => {
  const r = start([spec('flaky.1', 'echo attempt; exit 1')], { restart: 'on-failure' });
  await waitUntil(() => r.log.events.filter((e) => e.type === 'spawned').length >= 3, '3 attempts', 15_000, () => r.log.dump());
  assert.deepEqual(
    r.log.events.flatMap((e) => (e.type === 'restarting' ? [e.delayMs] : [])).slice(0, 2),
    [1_000, 2_000],
  );
  assert.equal(await shutdownAndWait(r, 'done', 0), 0);
  assert.equal(r.sup.status()[0]?.state, 'stopped');
});

test('readiness: ready once its port accepts, with the time it took', { timeout: 30_000 }, async (t) => {
  const gates = Gates.for(t);
  const port = await freePort();
  const r = start([spec('web.1', childCommand('pid', `wait-file:${gates.path('listen')}`, 'listen'), port)]);
  // It listens only once the test has seen it running: dozen watches a port that does not accept yet.
  await r.log.waitForOutput('web.1', /^pid \d+$/m);
  gates.open('listen');
  const line = await r.log.waitForMessage(/^web\.1 listening on :\d+ after \d+ ms$/);
  assert.ok(line.includes(`:${port} `));
  assert.deepEqual(r.sup.status().map((s) => [s.state, s.ready, s.port]), [['running', true, port]]);
  assert.equal(await shutdownAndWait(r, 'done', 0), 0);
  await assertAllGone(r.log.pids(), 200);
});

test('two floods: no line lost, duplicated or mangled; each process in order', { timeout: 60_000 }, async () => {
  const n = 100_000;
  const r = start([spec('a.1', childCommand(`flood:${n}:A`, 'exit:0')), spec('b.1', childCommand(`flood:${n}:B`, 'exit:0'))], { canDie: ['a', 'b'] });
  assert.equal(await exitOf(r, 50_000), 0);
  for (const [name, tag] of [['a.1', 'A'], ['b.1', 'B']] as const) {
    const lines = r.log.output(name).split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, n, `${name}: ${lines.length} lines`);
    const pad = 'p'.repeat(40);
    for (let i = 0; i < n; i++) {
      if (lines[i] !== `${tag} ${i + 1} ${pad}`) assert.fail(`${name} line ${i + 1} is ${JSON.stringify(lines[i])}`);
    }
  }
});

test('a partial line does not hold back other processes; it is flushed after idle, then completed', { timeout: 30_000 }, async (t) => {
  const gates = Gates.for(t);
  const r = start([
    spec('slow.1', childCommand('partial:half-', `touch:${gates.path('partial-written')}`, `wait-file:${gates.path('rest')}`, 'line:rest')),
    spec('fast.1', childCommand(`wait-file:${gates.path('fast')}`, 'line:fast-line')),
  ]);
  // fast.1 prints once slow.1 has written its unfinished line; slow.1 finishes it only when let.
  await gates.reached('partial-written', 10_000, () => r.log.dump());
  gates.open('fast');
  await r.log.waitForOutput('fast.1', /^fast-line$/m);
  // fast.1's line came while slow.1 still held its unfinished line.
  assert.doesNotMatch(r.log.output('slow.1'), /rest/);
  // The idle flush has cut the unfinished line before slow.1 writes the rest.
  await r.log.waitForOutput('slow.1', /^half-\n$/);
  gates.open('rest');
  await r.log.waitForOutput('slow.1', /^half-\nrest\n$/);
  const slow = r.log.events.filter((e) => e.type === 'output' && e.instance === 'slow.1');
  assert.deepEqual(slow.map((e) => e.type === 'output' && e.partial), [true, false], 'the idle flush is marked as a cut line');
  assert.equal(await shutdownAndWait(r, 'done', 0), 0);
});

test('while output is paused (slow stdout), a partial line is not cut by the idle flush', { timeout: 30_000 }, async (t) => {
  const gates = Gates.for(t);
  // "ready" and the partial line come in one read; the rest only once the test lets it, while paused.
  const r = start([spec('slow.1', childCommand('line-partial:ready:half-', `wait-file:${gates.path('rest')}`, 'line:rest', `touch:${gates.path('rest-written')}`))]);
  const valve = r.sup.outputValve();
  // Paused in the turn of that read, before its idle timer can fire: the partial line is pending.
  const paused = new Promise<void>((resolve) => {
    const stop = r.sup.subscribe((e) => {
      if (e.type !== 'output' || e.instance !== 'slow.1') return;
      stop();
      setImmediate(() => {
        valve.pause();
        resolve();
      });
    });
  });
  await r.log.waitForOutput('slow.1', /^ready$/m);
  await paused;
  // The wait is what is under test: paused for three times the idle flush delay, the pending
  // partial line must still not be cut.
  await new Promise((resolve) => setTimeout(resolve, 3 * DEFAULT_IDLE_MS));
  gates.open('rest');
  await gates.reached('rest-written', 10_000, () => r.log.dump());
  valve.resume();
  try {
    await r.log.waitForOutput('slow.1', /^half-rest$/m, 5_000);
  } catch (err) {
    await r.sup.forceKill();
    throw err;
  }
  const pieces = r.log.events.filter((e) => e.type === 'output' && e.instance === 'slow.1');
  assert.ok(pieces.every((e) => e.type === 'output' && !e.partial), 'no piece was cut');
  assert.equal(r.log.output('slow.1'), 'ready\nhalf-rest\n');
  assert.equal(await shutdownAndWait(r, 'done', 0), 0);
});

test('a 1 MiB line arrives whole, in marked pieces at most', { timeout: 30_000 }, async () => {
  const size = 1024 * 1024;
  const r = start([spec('big.1', childCommand(`big:${size}`, 'line:after'))]);
  const pieces: Buffer[] = [];
  r.sup.subscribe((e) => {
    // A piece dozen cut ends in a newline dozen added: drop it to get the child's bytes back.
    if (e.type === 'output') pieces.push(e.partial ? e.data.subarray(0, e.data.length - 1) : Buffer.from(e.data));
  });
  await r.log.waitForOutput('big.1', /after\n$/, 15_000);
  const bytes = Buffer.concat(pieces);
  const expected = Buffer.from(`${'x'.repeat(size)}\nafter\n`);
  assert.ok(bytes.equals(expected), `got ${bytes.length} bytes, expected ${expected.length}; ends ${JSON.stringify(bytes.subarray(-20).toString())}`);
  assert.equal(await shutdownAndWait(r, 'done', 0), 0);
});

test('100 instances start and stop cleanly', { timeout: 60_000 }, async () => {
  const specs = Array.from({ length: 100 }, (_, i) => spec(`idle.${i + 1}`, 'sleep 1000'));
  const r = start(specs);
  await waitUntil(() => r.sup.status().every((s) => s.state === 'running'), '100 running', 20_000, () => r.log.dump());
  const pids = r.sup.status().map((s) => s.pid!);
  assert.equal(new Set(pids).size, 100);
  assert.equal(await shutdownAndWait(r, 'done', 0, 30_000), 0);
  assert.ok(r.sup.status().every((s) => s.state === 'stopped'));
  await assertAllGone(pids, 200);
});

test('a failed spawn (missing working directory) is an exit with a clear reason', { timeout: 30_000 }, async () => {
  const r = start([{ ...spec('web.1', 'echo hi'), cwd: '/nonexistent/dozen-test' }]);
  assert.equal(await exitOf(r), 127);
  assert.ok(r.log.messages().some((m) => m.startsWith('web.1 could not be started:')), r.log.dump());
});

test('a daemon that ignores SIGTERM outside its group is said once, SIGKILLed after the timeout, and waited for', { timeout: 30_000 }, async () => {
  const daemon = `setsid sh -c 'trap "" TERM; echo daemon $$; exec sleep 1001' & exec sleep 1000`;
  const r = start([spec('d.1', daemon)], { timeoutMs: 1_500 });
  const pid = Number((await r.log.waitForOutput('d.1', /^daemon (\d+)$/m))[1]);
  const said = await r.log.waitForEvent((e) => e.type === 'daemonized', 'the daemon to be seen');
  assert.deepEqual(said.type === 'daemonized' && [said.instance, said.pid, said.how, said.command], ['d.1', pid, 'setsid', 'sleep 1001']);
  assert.deepEqual([...r.sup.escapedProcesses().values()], [[pid]]);
  try {
    assert.equal(await shutdownAndWait(r, 'received SIGTERM', 143), 143);
    assert.ok(r.log.messages().includes('d.1 did not stop within 1.5 s: sending SIGKILL'), r.log.dump());
    assert.deepEqual(r.sup.status()[0]?.lastExit, { reason: 'killed' });
    assert.equal(r.log.messages().filter((m) => m.includes('left its process group')).length, 1, r.log.dump());
    await assertAllGone([pid], 200);
  } finally {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
});
