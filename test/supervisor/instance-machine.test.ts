// Reducer tests: inputs in, instance and effects out. No I/O, no time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newInstance, transition, type Effect, type Input, type Instance, type MachineContext } from '../../src/supervisor/instance-machine.js';
import type { SupervisorEvent } from '../../src/supervisor/events.js';

function ctx(over: Partial<MachineContext> = {}, now = 1_000): MachineContext {
  return {
    now,
    spec: { name: 'web.1', type: 'web', port: 5000 },
    restart: 'never',
    timeoutMs: 5_000,
    bootTimeoutMs: 60_000,
    stopSignal: 'SIGTERM',
    ...over,
  };
}

/** Runs inputs in order (each with its own `now`), returning the final instance and every effect. */
function run(steps: Array<[Input, number?]>, over: Partial<MachineContext> = {}, start: Instance = newInstance()) {
  let inst = start;
  const effects: Effect[] = [];
  for (const [input, now] of steps) {
    const t = transition(inst, input, ctx(over, now ?? 1_000));
    inst = t.instance;
    effects.push(...t.effects);
  }
  return { inst, effects };
}

const kinds = (effects: Effect[]) => effects.map((e) => (e.type === 'emit' ? `emit:${e.event.type}` : e.type));
const events = (effects: Effect[]): SupervisorEvent[] => effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []));

test('start from pending asks for a spawn and stays pending until the pid is known', () => {
  const { inst, effects } = run([[{ type: 'start' }]]);
  assert.equal(inst.phase.state, 'pending');
  assert.deepEqual(effects, [{ type: 'spawn' }]);
});

test('a spawned web instance is starting, watches its port and arms the boot timer', () => {
  const { inst, effects } = run([[{ type: 'start' }], [{ type: 'spawned', pid: 42 }, 2_000]]);
  assert.deepEqual(inst.phase, { state: 'starting', pid: 42, startedAt: 2_000, bootTimedOut: false, portOpen: false });
  assert.deepEqual(effects.slice(1), [
    { type: 'emit', event: { type: 'spawned', at: 2_000, instance: 'web.1', pid: 42, port: 5000 } },
    { type: 'watch-port' },
    { type: 'set-timer', timer: 'boot', ms: 60_000 },
  ]);
});

test('a worker with a port runs at once; without a port nothing is watched', () => {
  const worker = run([[{ type: 'spawned', pid: 7 }]], { spec: { name: 'worker.1', type: 'worker', port: 5100 } });
  assert.equal(worker.inst.phase.state, 'running');
  assert.ok(kinds(worker.effects).includes('watch-port'));
  const noPort = run([[{ type: 'spawned', pid: 7 }]], { spec: { name: 'clock.1', type: 'clock', port: undefined } });
  assert.equal(noPort.inst.phase.state, 'running');
  assert.deepEqual(kinds(noPort.effects), ['emit:spawned']);
});

test('port open: running and ready, once, with the time it took', () => {
  const { inst, effects } = run([[{ type: 'spawned', pid: 42 }, 1_000], [{ type: 'port-open' }, 1_412], [{ type: 'port-open' }, 1_500]]);
  assert.deepEqual(inst.phase, { state: 'running', pid: 42, startedAt: 1_000, ready: true });
  assert.equal(inst.everReady, true);
  assert.deepEqual(
    events(effects).filter((e) => e.type === 'ready'),
    [{ type: 'ready', at: 1_412, instance: 'web.1', port: 5000, afterMs: 412 }],
  );
  assert.ok(kinds(effects).includes('clear-timer'));
});

test('boot timeout: a web instance is reported; a worker silently stops being probed', () => {
  const web = run([[{ type: 'spawned', pid: 42 }, 0], [{ type: 'timer', timer: 'boot' }, 60_000]]);
  assert.equal(web.inst.phase.state, 'starting');
  assert.deepEqual(events(web.effects).at(-1), { type: 'boot-timeout', at: 60_000, instance: 'web.1', port: 5000, afterMs: 60_000 });
  assert.deepEqual(web.effects.at(-1), { type: 'watch-port' }, 'still watched (more slowly) after the warning');
  const worker = run([[{ type: 'spawned', pid: 7 }, 0], [{ type: 'timer', timer: 'boot' }, 60_000]], {
    spec: { name: 'worker.1', type: 'worker', port: 5100 },
  });
  assert.deepEqual(kinds(worker.effects).slice(-1), ['unwatch-port']);
  assert.equal(events(worker.effects).some((e) => e.type === 'boot-timeout'), false);
});

test('restart never: an exit is final and reaps the group', () => {
  const { inst, effects } = run([[{ type: 'spawned', pid: 42 }, 0], [{ type: 'exit', outcome: { reason: 'exit-code', code: 3 } }, 500]]);
  assert.deepEqual(inst.phase, { state: 'exited', outcome: { reason: 'exit-code', code: 3 } });
  assert.deepEqual(inst.lastExit, { reason: 'exit-code', code: 3 });
  const tail = effects.slice(-3);
  assert.deepEqual(tail, [
    { type: 'emit', event: { type: 'exited', at: 500, instance: 'web.1', pid: 42, outcome: { reason: 'exit-code', code: 3 }, uptimeMs: 500 } },
    { type: 'reap', pid: 42, signal: 'SIGTERM', killAfterMs: 5_000 },
    { type: 'final', outcome: { reason: 'exit-code', code: 3 }, gaveUp: false },
  ]);
});

test('restart on-failure: a clean exit is final, a failure backs off 1 s', () => {
  const clean = run([[{ type: 'spawned', pid: 1 }], [{ type: 'exit', outcome: { reason: 'exit-code', code: 0 } }]], { restart: 'on-failure' });
  assert.equal(clean.inst.phase.state, 'exited');
  const failed = run([[{ type: 'spawned', pid: 1 }, 0], [{ type: 'exit', outcome: { reason: 'exit-code', code: 1 } }, 100]], { restart: 'on-failure' });
  assert.deepEqual(failed.inst.phase, { state: 'backoff', delayMs: 1_000, until: 1_100 });
  assert.deepEqual(failed.effects.slice(-2), [
    { type: 'emit', event: { type: 'restarting', at: 100, instance: 'web.1', delayMs: 1_000, attempt: 1 } },
    { type: 'set-timer', timer: 'backoff', ms: 1_000 },
  ]);
});

test('backoff timer respawns and counts the restart', () => {
  const { inst, effects } = run(
    [[{ type: 'spawned', pid: 1 }, 0], [{ type: 'exit', outcome: { reason: 'signal', signal: 'SIGSEGV' } }, 10], [{ type: 'timer', timer: 'backoff' }, 1_010]],
    { restart: 'always' },
  );
  assert.equal(inst.restarts, 1);
  assert.equal(inst.fastExits, 1);
  assert.deepEqual(effects.at(-1), { type: 'spawn' });
});

test('fast exits double the delay up to 30 s, then give up at the 10th; 60 s of uptime resets', () => {
  const delays: number[] = [];
  let inst = newInstance();
  let now = 0;
  let gaveUp: Effect[] = [];
  for (let i = 0; i < 10; i++) {
    inst = transition(inst, { type: 'spawned', pid: 100 + i }, ctx({ restart: 'always' }, now)).instance;
    now += 50;
    const t = transition(inst, { type: 'exit', outcome: { reason: 'exit-code', code: 1 } }, ctx({ restart: 'always' }, now));
    inst = t.instance;
    if (inst.phase.state === 'backoff') delays.push(inst.phase.delayMs);
    else gaveUp = t.effects;
  }
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  assert.equal(inst.phase.state, 'exited');
  assert.deepEqual(events(gaveUp).map((e) => e.type), ['exited', 'gave-up']);
  assert.deepEqual(gaveUp.at(-1), { type: 'final', outcome: { reason: 'exit-code', code: 1 }, gaveUp: true });

  // After a long run the series starts over.
  let long = { ...newInstance(), fastExits: 5 };
  long = transition(long, { type: 'spawned', pid: 9 }, ctx({ restart: 'always' }, 0)).instance;
  long = transition(long, { type: 'exit', outcome: { reason: 'exit-code', code: 1 } }, ctx({ restart: 'always' }, 61_000)).instance;
  assert.deepEqual(long.phase, { state: 'backoff', delayMs: 1_000, until: 62_000 });
  assert.equal(long.fastExits, 1);
});

test('stop: signal the group, arm the kill timer; the stop completes when the group is empty', () => {
  const s = run([[{ type: 'spawned', pid: 42 }, 0], [{ type: 'stop', then: 'stay-stopped' }, 1_000]]);
  assert.equal(s.inst.phase.state, 'stopping');
  assert.deepEqual(s.effects.slice(-3), [
    { type: 'emit', event: { type: 'stopping', at: 1_000, instance: 'web.1', signal: 'SIGTERM' } },
    { type: 'signal', pid: 42, signal: 'SIGTERM' },
    { type: 'set-timer', timer: 'kill', ms: 5_000 },
  ]);
  // The leader (sh) dies at once; its group still has the app: keep stopping, reap the rest.
  const exited = run([[{ type: 'exit', outcome: { reason: 'signal', signal: 'SIGTERM' } }, 1_010]], {}, s.inst);
  assert.equal(exited.inst.phase.state, 'stopping');
  assert.deepEqual(exited.effects, [{ type: 'reap', pid: 42, signal: undefined, killAfterMs: 4_990 }]);
  const done = run([[{ type: 'group-empty', pid: 42 }, 1_300]], {}, exited.inst);
  assert.deepEqual(done.inst.phase, { state: 'stopped' });
  assert.deepEqual(kinds(done.effects), ['clear-timer', 'emit:exited', 'emit:stopped']);
  assert.deepEqual(events(done.effects)[0], {
    type: 'exited', at: 1_300, instance: 'web.1', pid: 42, outcome: { reason: 'signal', signal: 'SIGTERM' }, uptimeMs: 1_300,
  });
  // A stop never restarts, whatever the policy.
  const always = run([[{ type: 'spawned', pid: 42 }, 0], [{ type: 'stop', then: 'stay-stopped' }], [{ type: 'exit', outcome: { reason: 'exit-code', code: 1 } }], [{ type: 'group-empty', pid: 42 }]], { restart: 'always' });
  assert.equal(always.inst.phase.state, 'stopped');
  assert.equal(kinds(always.effects).includes('spawn'), false);
});

test('kill timer: SIGKILL, and the exit is reported as killed', () => {
  const { inst, effects } = run([
    [{ type: 'spawned', pid: 42 }, 0],
    [{ type: 'stop', then: 'stay-stopped' }, 0],
    [{ type: 'timer', timer: 'kill' }, 5_000],
    [{ type: 'exit', outcome: { reason: 'signal', signal: 'SIGKILL' } }, 5_001],
    [{ type: 'group-empty', pid: 42 }, 5_010],
  ]);
  assert.equal(inst.phase.state, 'stopped');
  assert.deepEqual(inst.lastExit, { reason: 'killed' });
  const killing = effects.findIndex((e) => e.type === 'emit' && e.event.type === 'killing');
  assert.deepEqual(effects[killing], { type: 'emit', event: { type: 'killing', at: 5_000, instance: 'web.1', reason: 'timeout' } });
  assert.deepEqual(effects[killing + 1], { type: 'signal', pid: 42, signal: 'SIGKILL' });
});

test('kill timer after the leader exited still SIGKILLs the group (an app ignoring SIGTERM under sh)', () => {
  const { inst, effects } = run([
    [{ type: 'spawned', pid: 42 }, 0],
    [{ type: 'stop', then: 'stay-stopped' }, 0],
    [{ type: 'exit', outcome: { reason: 'signal', signal: 'SIGTERM' } }, 5],
    [{ type: 'timer', timer: 'kill' }, 5_000],
  ]);
  assert.equal(inst.phase.state, 'stopping');
  assert.deepEqual(effects.at(-1), { type: 'signal', pid: 42, signal: 'SIGKILL' });
});

test('a second kill while killing does nothing more; force kill of a running instance', () => {
  const twice = run([[{ type: 'spawned', pid: 42 }], [{ type: 'stop', then: 'stay-stopped' }], [{ type: 'kill' }], [{ type: 'kill' }], [{ type: 'timer', timer: 'kill' }]]);
  assert.equal(twice.effects.filter((e) => e.type === 'signal' && e.signal === 'SIGKILL').length, 1);
  const direct = run([[{ type: 'spawned', pid: 42 }], [{ type: 'kill' }]]);
  assert.equal(direct.inst.phase.state, 'stopping');
  assert.deepEqual(direct.effects.at(-1), { type: 'signal', pid: 42, signal: 'SIGKILL' });
});

test('stop then restart: respawns once the old group is gone, with a fresh backoff series', () => {
  const start = { ...newInstance(), fastExits: 4 };
  const { inst, effects } = run(
    [[{ type: 'spawned', pid: 42 }], [{ type: 'stop', then: 'restart' }], [{ type: 'exit', outcome: { reason: 'signal', signal: 'SIGTERM' } }]],
    {},
    start,
  );
  assert.equal(kinds(effects).includes('spawn'), false, 'no spawn while the old group lives');
  const done = run([[{ type: 'group-empty', pid: 42 }]], {}, inst);
  assert.deepEqual(done.effects.at(-1), { type: 'spawn' });
  assert.equal(done.inst.restarts, 1);
  assert.equal(done.inst.fastExits, 0);
});

test('stop of an instance in backoff cancels the timer; remove asks to be removed', () => {
  const inBackoff = run([[{ type: 'spawned', pid: 1 }], [{ type: 'exit', outcome: { reason: 'exit-code', code: 1 } }]], { restart: 'always' }).inst;
  const stopped = run([[{ type: 'stop', then: 'stay-stopped' }]], {}, inBackoff);
  assert.equal(stopped.inst.phase.state, 'stopped');
  assert.deepEqual(kinds(stopped.effects), ['clear-timer', 'emit:stopped']);
  const removed = run([[{ type: 'stop', then: 'remove' }]], {}, inBackoff);
  assert.deepEqual(kinds(removed.effects), ['clear-timer', 'removed']);
});

test('an exited instance keeps its state when the formation stops; restart brings it back', () => {
  const exited = run([[{ type: 'spawned', pid: 1 }], [{ type: 'exit', outcome: { reason: 'exit-code', code: 2 } }]]).inst;
  assert.deepEqual(run([[{ type: 'stop', then: 'stay-stopped' }]], {}, exited), { inst: exited, effects: [] });
  const back = run([[{ type: 'stop', then: 'restart' }]], {}, exited);
  assert.deepEqual(back.effects, [{ type: 'spawn' }]);
  assert.equal(back.inst.restarts, 1);
});

test('a failed spawn is an immediate exit under the restart policy', () => {
  const { inst, effects } = run([[{ type: 'start' }], [{ type: 'spawn-failed', outcome: { reason: 'spawn-error', message: 'spawn /bin/sh ENOENT', errno: 'ENOENT' } }]]);
  assert.equal(inst.phase.state, 'exited');
  assert.equal(kinds(effects).includes('reap'), false);
  assert.deepEqual(effects.at(-1), { type: 'final', outcome: { reason: 'spawn-error', message: 'spawn /bin/sh ENOENT', errno: 'ENOENT' }, gaveUp: false });
});

test('stale reports are ignored', () => {
  const pending = newInstance();
  for (const input of [{ type: 'exit', outcome: { reason: 'exit-code', code: 0 } }, { type: 'port-open' }, { type: 'timer', timer: 'kill' }, { type: 'group-empty', pid: 5 }, { type: 'kill' }] as Input[]) {
    assert.deepEqual(transition(pending, input, ctx()), { instance: pending, effects: [] });
  }
});

test('with a health path: the open port starts the health watch; health-ok makes it ready, with the check in the event', () => {
  const spec = { name: 'web.1', type: 'web', port: 5000, healthPath: '/health' };
  const opened = run([[{ type: 'spawned', pid: 42 }, 1_000], [{ type: 'port-open' }, 1_100], [{ type: 'port-open' }, 1_150]], { spec });
  assert.deepEqual(opened.inst.phase, { state: 'starting', pid: 42, startedAt: 1_000, bootTimedOut: false, portOpen: true });
  assert.deepEqual(kinds(opened.effects), ['emit:spawned', 'watch-port', 'set-timer', 'unwatch-port', 'watch-health'], 'the second port-open changes nothing');
  const ready = run([[{ type: 'health-ok', status: 204 }, 1_340]], { spec }, opened.inst);
  assert.deepEqual(ready.inst.phase, { state: 'running', pid: 42, startedAt: 1_000, ready: true });
  assert.deepEqual(events(ready.effects), [{ type: 'ready', at: 1_340, instance: 'web.1', port: 5000, afterMs: 340, health: { path: '/health', status: 204 } }]);
  assert.deepEqual(run([[{ type: 'health-ok', status: 200 }]], { spec }, ready.inst).effects, [], 'a late health-ok is stale');
});

test('with a health path: a worker is held in starting too; the boot timeout after the port opened names the check and keeps checking', () => {
  const spec = { name: 'api.1', type: 'api', port: 5100, healthPath: '/up' };
  const { inst, effects } = run([[{ type: 'spawned', pid: 9 }, 0], [{ type: 'port-open' }, 10], [{ type: 'timer', timer: 'boot' }, 60_000]], { spec });
  assert.equal(inst.phase.state === 'starting' && inst.phase.bootTimedOut, true);
  assert.deepEqual(events(effects).at(-1), { type: 'boot-timeout', at: 60_000, instance: 'api.1', port: 5100, afterMs: 60_000, healthPath: '/up' });
  assert.equal(kinds(effects).at(-1), 'watch-health');
  const noPort = run([[{ type: 'spawned', pid: 9 }, 0], [{ type: 'timer', timer: 'boot' }, 60_000]], { spec });
  assert.deepEqual(events(noPort.effects).at(-1), { type: 'boot-timeout', at: 60_000, instance: 'api.1', port: 5100, afterMs: 60_000 }, 'not bound: the port is the problem');
});
