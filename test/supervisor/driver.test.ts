// Driver tests: the real supervisor with a fake spawner, fake process groups, a fake port probe
// and a manual clock. Deterministic: time only moves when the test says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SupervisorEvent } from '../../src/supervisor/events.js';
import { createSupervisor } from '../../src/supervisor/supervisor.js';
import { FakeWorld } from './fake-spawner.js';
import { ManualClock } from './manual-clock.js';
import { rig, settle, spec } from './rig.js';


test('default rule: one exit stops all at once with SIGTERM, dozen exits with its code', async () => {
  const r = await rig([spec('web.1', 5000), spec('worker.1')]);
  assert.deepEqual(r.world.children.map((c) => c.name), ['web.1', 'worker.1']);
  r.clock.advance(2_000);
  r.world.last('worker.1').exit({ reason: 'exit-code', code: 3 });
  assert.deepEqual(r.world.signals, [{ at: 2_000, pgid: r.world.last('web.1').pid, signal: 'SIGTERM', name: 'web.1' }]);
  r.clock.advance(10);
  await r.running;
  assert.equal(r.code(), 3);
  assert.ok(r.messages().includes('worker.1 exited with code 3'));
  assert.ok(r.messages().includes('worker.1 is not in --can-die: sending SIGTERM to all processes'));
  assert.deepEqual(r.events.at(-1), { type: 'formation-exited', at: 2_005, exitCode: 3 }); // after the first group scan
});

test('SIGTERM, then SIGKILL at the timeout for a child that ignores it', async () => {
  const r = await rig([spec('a.1'), spec('b.1')], { timeoutMs: 5_000 });
  r.world.last('a.1').reactions.SIGTERM = { type: 'ignore' };
  const shut = r.sup.shutdown('received SIGTERM', 143);
  const started = r.clock.now();
  r.clock.advance(4_999);
  assert.deepEqual(r.world.signals.map((s) => `${s.name} ${s.signal}`), ['a.1 SIGTERM', 'b.1 SIGTERM']);
  assert.equal(r.code(), undefined);
  r.clock.advance(1);
  assert.deepEqual(r.world.signals.slice(2).map((s) => `${s.at - started} ${s.name} ${s.signal}`), ['5000 a.1 SIGKILL']);
  r.clock.advance(20);
  assert.equal(await shut, 143);
  assert.ok(r.messages().includes('a.1 did not stop within 5 s: sending SIGKILL'));
  assert.ok(r.messages().includes('a.1 was killed with SIGKILL'));
  assert.equal(r.sup.status().find((s) => s.name === 'a.1')?.lastExit?.reason, 'killed');
});

test('the kill timer is cancelled when the child exits in time', async () => {
  const r = await rig([spec('a.1')], { timeoutMs: 5_000 });
  r.world.last('a.1').reactions.SIGTERM = { type: 'exit-after', ms: 1_000 };
  const shut = r.sup.shutdown('quit', 0);
  r.clock.advance(1_020);
  assert.equal(await shut, 0);
  assert.equal(r.clock.armed, 0, 'no timer left behind');
  r.clock.advance(10_000);
  assert.deepEqual(r.world.signals.map((s) => s.signal), ['SIGTERM']);
});

test('a second Ctrl-C SIGKILLs at once', async () => {
  const r = await rig([spec('a.1'), spec('b.1')]);
  for (const c of r.world.children) c.reactions.SIGTERM = { type: 'ignore' };
  void r.sup.shutdown('received SIGINT', 130);
  r.clock.advance(100);
  const forced = r.sup.forceKill();
  assert.deepEqual(r.world.signals.map((s) => `${s.at} ${s.name} ${s.signal}`), ['0 a.1 SIGTERM', '0 b.1 SIGTERM', '100 a.1 SIGKILL', '100 b.1 SIGKILL']);
  r.clock.advance(10);
  assert.equal(await forced, 130, 'the first reason decides the exit code');
});

test('restart always: backoff 1, 2, 4 ... 30 s, gives up after 10 fast exits, then the default rule', async () => {
  const r = await rig([spec('crash.1'), spec('web.1', 5000)], { restart: 'always' });
  const exits: number[] = [];
  for (let i = 0; i < 10; i++) {
    r.clock.advance(100);
    exits.push(r.clock.now());
    r.world.last('crash.1').exit({ reason: 'exit-code', code: 1 });
    r.clock.advance(r.sup.status()[0]?.state === 'backoff' ? 60_000 : 0);
  }
  const spawns = r.events.flatMap((e) => (e.type === 'spawned' && e.instance === 'crash.1' ? [e.at] : []));
  const gaps = spawns.slice(1).map((t, i) => t - exits[i]!);
  assert.deepEqual(gaps, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  r.clock.advance(100);
  await r.running;
  assert.equal(r.code(), 1);
  assert.equal(r.world.of('crash.1').length, 10);
  assert.ok(r.messages().some((m) => m === 'crash.1 exited 10 times in a row within 60 s of starting; giving up on it'), r.messages().join('\n'));
  assert.ok(r.messages().includes('crash.1 is not in --can-die: sending SIGTERM to all processes'));
});

test('restart schedule is exactly the backoff, and a long run resets it', async () => {
  const r = await rig([spec('crash.1')], { restart: 'on-failure' });
  const spawns: number[] = [];
  const exitAfter = (ms: number) => {
    spawns.push(r.clock.now());
    r.clock.advance(ms);
    r.world.last('crash.1').exit({ reason: 'exit-code', code: 2 });
  };
  exitAfter(10); // restart in 1 s
  r.clock.advance(1_000);
  exitAfter(10); // in 2 s
  r.clock.advance(2_000);
  exitAfter(10); // in 4 s
  r.clock.advance(3_999);
  assert.equal(r.world.of('crash.1').length, 3, 'not yet');
  r.clock.advance(1);
  exitAfter(61_000); // a long run: back to 1 s
  r.clock.advance(1_000);
  assert.equal(r.world.of('crash.1').length, 5);
  assert.deepEqual(
    r.events.flatMap((e) => (e.type === 'restarting' ? [`${e.delayMs}/${e.attempt}`] : [])),
    ['1000/1', '2000/2', '4000/3', '1000/1'],
  );
  assert.equal(r.sup.status()[0]?.restarts, 4);
  void r.sup.shutdown('done', 0);
  r.clock.advance(20);
  assert.equal(await r.running, 0);
});

test('can-die: those types exit alone; with none left dozen exits with the first failure', async () => {
  const r = await rig([spec('a.1'), spec('b.1'), spec('c.1')], { canDie: ['a', 'b', 'c'] });
  r.world.last('b.1').exit({ reason: 'exit-code', code: 0 });
  r.world.last('a.1').exit({ reason: 'exit-code', code: 5 });
  assert.equal(r.world.signals.length, 0, 'nobody was stopped');
  assert.equal(r.sup.status().find((s) => s.name === 'c.1')?.state, 'running');
  r.world.last('c.1').exit({ reason: 'exit-code', code: 7 });
  r.clock.advance(10);
  assert.equal(await r.running, 5);

  const clean = await rig([spec('a.1'), spec('b.1')], { canDie: ['a', 'b'] });
  clean.world.last('a.1').exit({ reason: 'exit-code', code: 0 });
  clean.world.last('b.1').exit({ reason: 'exit-code', code: 0 });
  clean.clock.advance(10);
  assert.equal(await clean.running, 0);
});

test('release runs first; the formation starts only after it succeeds', async () => {
  const r = await rig([spec('web.1', 5000)], { releasePhase: spec('release') });
  assert.deepEqual(r.world.children.map((c) => c.name), ['release']);
  r.world.last('release').print('migrating\n');
  r.world.last('release').exit({ reason: 'exit-code', code: 0 });
  r.clock.advance(10);
  await settle(); // the port check
  assert.deepEqual(r.world.children.map((c) => c.name), ['release', 'web.1']);
  assert.ok(r.events.some((e) => e.type === 'output' && e.instance === 'release' && e.data.toString() === 'migrating\n'));
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  await r.running;
});

test('a failing release aborts with its exit code and starts nothing', async () => {
  const r = await rig([spec('web.1', 5000)], { releasePhase: spec('release') });
  r.world.last('release').exit({ reason: 'exit-code', code: 9 });
  r.clock.advance(10);
  assert.equal(await r.running, 9);
  assert.deepEqual(r.world.children.map((c) => c.name), ['release']);
  assert.ok(r.messages().includes('the release phase failed: not starting the processes'), r.messages().join('\n'));
});

test('a signal during the release stops it and starts nothing', async () => {
  const r = await rig([spec('web.1', 5000)], { releasePhase: spec('release'), timeoutMs: 1_000 });
  r.world.last('release').reactions.SIGTERM = { type: 'ignore' };
  void r.sup.shutdown('received SIGINT', 130);
  r.clock.advance(1_000);
  assert.deepEqual(r.world.signals.map((s) => `${s.name} ${s.signal}`), ['release SIGTERM', 'release SIGKILL']);
  r.clock.advance(10);
  await settle();
  assert.equal(await r.running, 130);
  assert.deepEqual(r.world.children.map((c) => c.name), ['release']);
});

test('readiness: ready once with the time it took; boot timeout reported for web', async () => {
  const r = await rig([spec('web.1', 5000), spec('web.2', 5001)], { bootTimeoutMs: 3_000 });
  r.clock.advance(100);
  await settle();
  r.openPorts.add(5000);
  for (let i = 0; i < 20; i++) {
    r.clock.advance(50);
    await settle();
  }
  const ready = r.events.filter((e) => e.type === 'ready');
  assert.equal(ready.length, 1);
  assert.equal(ready[0]?.type === 'ready' && ready[0].instance, 'web.1');
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.state, s.ready]), [['web.1', 'running', true], ['web.2', 'starting', false]]);
  r.clock.advance(3_000);
  await settle();
  assert.ok(r.messages().includes('web.2 has not bound port 5001 after 3 s; it should listen on $PORT (5001)'), r.messages().join('\n'));
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  await r.running;
});

test('a port already taken by another program is reported, and not mistaken for readiness', async () => {
  const clock = new ManualClock();
  const world = new FakeWorld(clock);
  const events: SupervisorEvent[] = [];
  const sup = createSupervisor({ specs: [spec('web.1', 5000)], clock, spawner: world.spawner, groups: world.groups, probePort: async (port) => port === 5000 });
  sup.subscribe((e) => events.push(e));
  const running = sup.run();
  await settle();
  for (let i = 0; i < 10; i++) {
    clock.advance(100);
    await settle();
  }
  const texts = events.flatMap((e) => (e.type === 'message' ? [e.text] : []));
  assert.ok(texts.includes('port 5000 is already in use by another program: web.1 will not be able to listen on it'), texts.join('\n'));
  assert.equal(events.some((e) => e.type === 'ready'), false);
  void sup.shutdown('done', 0);
  clock.advance(10);
  await running;
});

test('restart(names): one after another; the next goes down only once the previous is ready again', async () => {
  const r = await rig([spec('web.1', 5000), spec('web.2', 5001)]);
  r.openPorts.add(5000).add(5001);
  for (let i = 0; i < 5; i++) {
    r.clock.advance(50);
    await settle();
  }
  const done = r.sup.restart(['web.1', 'web.2']);
  r.clock.advance(10); // web.1's old run exits and its group empties: respawn
  assert.equal(r.world.of('web.1').length, 2);
  assert.deepEqual(r.world.signals.map((s) => s.name), ['web.1'], 'web.2 untouched while web.1 is not ready');
  for (let i = 0; i < 5; i++) {
    r.clock.advance(50);
    await settle();
  }
  assert.deepEqual(r.world.signals.map((s) => s.name), ['web.1', 'web.2']);
  for (let i = 0; i < 5; i++) {
    r.clock.advance(50);
    await settle();
  }
  await done;
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.state, s.restarts, s.port]), [['web.1', 'running', 1, 5000], ['web.2', 'running', 1, 5001]]);
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  await r.running;
});

test('stop keeps an instance stopped; add and remove change the live formation', async () => {
  const r = await rig([spec('web.1', 5000), spec('worker.1')]);
  const stopping = r.sup.stop(['worker.1']);
  r.clock.advance(10);
  await stopping;
  assert.equal(r.sup.status().find((s) => s.name === 'worker.1')?.state, 'stopped');
  assert.equal(r.code(), undefined, 'a requested stop does not stop the formation');

  await r.sup.add([spec('worker.2')]);
  assert.deepEqual(r.sup.status().map((s) => s.name), ['web.1', 'worker.1', 'worker.2']);
  assert.equal(r.world.last('worker.2').name, 'worker.2');
  await assert.rejects(r.sup.add([spec('worker.2')]), /already in the formation/);

  const removing = r.sup.remove(['worker.2']);
  r.clock.advance(10);
  await removing;
  assert.deepEqual(r.sup.specs().map((s) => s.name), ['web.1', 'worker.1']);
  await assert.rejects(r.sup.restart(['nope.1']), /no instance named "nope.1"/);

  const back = r.sup.restart(['worker.1']);
  await back;
  assert.equal(r.sup.status().find((s) => s.name === 'worker.1')?.state, 'running');
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  assert.equal(await r.running, 0);
});

test('a paused output valve pauses every child, including ones spawned while paused', async () => {
  const r = await rig([spec('a.1'), spec('b.1')], { canDie: ['b'] });
  const valve = r.sup.outputValve();
  valve.pause();
  assert.deepEqual(r.world.children.map((c) => c.paused), [true, true]);
  await r.sup.add([spec('c.1')]);
  assert.equal(r.world.last('c.1').paused, true);
  valve.resume();
  assert.deepEqual(r.world.children.map((c) => c.paused), [false, false, false]);
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  await r.running;
});

test('dozen waits for open pipes before exiting: their last lines are delivered', async () => {
  const r = await rig([spec('a.1')]);
  const a = r.world.last('a.1');
  a.holdsOutput = true;
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  assert.equal(r.code(), undefined, 'a pipe is still open');
  a.print('last words\n');
  a.closeOutput();
  await settle();
  assert.equal(r.code(), 0);
  assert.ok(r.events.some((e) => e.type === 'output' && e.data.toString() === 'last words\n'));
});

test('a pipe held open by an escaped process delays the exit by a bounded grace, not while paused', async () => {
  const r = await rig([spec('a.1')]);
  r.world.last('a.1').holdsOutput = true;
  const valve = r.sup.outputValve();
  valve.pause();
  void r.sup.shutdown('done', 0);
  r.clock.advance(5_000);
  assert.equal(r.code(), undefined, 'paused output: wait for the reader');
  valve.resume();
  r.clock.advance(999);
  assert.equal(r.code(), undefined);
  r.clock.advance(1);
  await settle();
  assert.equal(r.code(), 0);
});

test('a group that outlives its leader is signalled, then SIGKILLed; dozen waits for it', async () => {
  const r = await rig([spec('a.1'), spec('b.1')], { timeoutMs: 2_000, canDie: ['a'] });
  const a = r.world.last('a.1');
  a.lingering = true; // `sh -c 'sleep 1000 & exit 0'`
  a.reactions.SIGTERM = { type: 'ignore' };
  r.clock.advance(100);
  a.exit({ reason: 'exit-code', code: 0 });
  r.clock.advance(5);
  assert.deepEqual(r.world.signals.map((s) => `${s.at} ${s.name} ${s.signal}`), ['105 a.1 SIGTERM']);
  r.clock.advance(2_000);
  assert.deepEqual(r.world.signals.map((s) => `${s.at} ${s.name} ${s.signal}`), ['105 a.1 SIGTERM', '2100 a.1 SIGKILL']);
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  assert.equal(await r.running, 0);
});

test('while stopping, the formation is done only when every group is empty', async () => {
  const r = await rig([spec('a.1')]);
  const a = r.world.last('a.1');
  a.lingering = true;
  a.reactions.SIGTERM = { type: 'die' }; // the leader dies; a background job stays
  void r.sup.shutdown('done', 0);
  r.clock.advance(1_000);
  assert.equal(r.code(), undefined);
  assert.equal(r.sup.status()[0]?.state, 'stopping');
  r.world.alive.delete(a.pid); // the job ends
  r.clock.advance(200);
  await r.running;
  assert.equal(r.code(), 0);
});

test('say: before run() it is held until the run starts, so listeners attached later see it too', async () => {
  const clock = new ManualClock();
  const world = new FakeWorld(clock);
  const sup = createSupervisor({ specs: [spec('a.1')], clock, spawner: world.spawner, groups: world.groups, probePort: async () => false });
  const early: SupervisorEvent[] = [];
  sup.subscribe((e) => early.push(e));
  sup.say('info', 'replaced a stale control socket');
  assert.deepEqual(early, [], 'nothing is emitted before the run');
  const late: SupervisorEvent[] = [];
  sup.subscribe((e) => late.push(e)); // e.g. the printer, attached after the control socket
  clock.advance(7);
  const running = sup.run();
  const text = (events: SupervisorEvent[]) => events.flatMap((e) => (e.type === 'message' ? [`${e.level} ${e.instance ?? '-'} ${e.text}`] : []));
  assert.deepEqual(text(late), ['info - replaced a stale control socket'], 'held, then first of the run');
  assert.deepEqual(late[0], { type: 'message', at: 0, level: 'info', text: 'replaced a stale control socket' }, 'stamped when said');
  await settle();
  sup.say('warn', 'drain x: unreachable', 'a.1');
  assert.deepEqual(text(late).at(-1), 'warn a.1 drain x: unreachable', 'said during the run: at once');
  assert.deepEqual(text(early), text(late));
  void sup.shutdown('done', 0);
  clock.advance(10);
  assert.equal(await running, 0);
  assert.equal(text(late).filter((t) => t.includes('stale')).length, 1, 'emitted once');
});

test('say: what was said before a stop that came before run() is still emitted', async () => {
  const clock = new ManualClock();
  const world = new FakeWorld(clock);
  const sup = createSupervisor({ specs: [spec('a.1')], clock, spawner: world.spawner, groups: world.groups, probePort: async () => false });
  const events: SupervisorEvent[] = [];
  sup.subscribe((e) => events.push(e));
  sup.say('info', 'add ".dozen/" to .gitignore');
  assert.equal(await sup.shutdown('received SIGINT', 130), 130);
  assert.equal(await sup.run(), 130);
  assert.deepEqual(events.map((e) => (e.type === 'message' ? e.text : e.type)), ['add ".dozen/" to .gitignore', 'formation-exited']);
  assert.equal(world.children.length, 0);
});

test('can-die: "no process left running" is said once', async () => {
  for (const code of [0, 4]) {
    const r = await rig([spec('web.1'), spec('worker.1')], { canDie: ['web', 'worker'] });
    r.world.last('worker.1').exit({ reason: 'exit-code', code: 0 });
    r.world.last('web.1').exit({ reason: 'exit-code', code });
    r.clock.advance(10);
    assert.equal(await r.running, code);
    const said = r.messages().filter((m) => m.includes('no process left running'));
    assert.deepEqual(said, ['no process left running'], r.messages().join('\n'));
  }
});
