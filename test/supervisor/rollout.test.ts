// Rollouts against the fake spawner and the manual clock: stop-first and surge, generations side
// by side, a replacement that never becomes ready, and the queue of rollouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DozenError } from '../../src/errors.js';
import type { InstanceStatus } from '../../src/supervisor/handle.js';
import type { PortAllocator } from '../../src/supervisor/port-allocator.js';
import { finish, rig, settle, spec, type Rig } from './rig.js';

/** Surge replacements get 6000, 6001, … in turn. */
function fixedPorts(first = 6000): PortAllocator & { asked: Array<Set<number>> } {
  let next = first;
  const asked: Array<Set<number>> = [];
  return {
    asked,
    surgePort: async (held) => {
      asked.push(new Set(held));
      return next++;
    },
  };
}

const rows = (r: Rig, name: string): InstanceStatus[] => r.sup.status().filter((s) => s.name === name);

/** The name has a generation that runs, is ready and has not been signalled. */
function assertServing(r: Rig, name: string, when: string): void {
  const signalled = new Set(r.world.signals.map((s) => s.pgid));
  const serving = rows(r, name).filter((s) => s.state === 'running' && s.ready && s.pid !== undefined && !signalled.has(s.pid));
  assert.ok(serving.length >= 1, `${when}: no ready ${name}: ${JSON.stringify(rows(r, name))}`);
}

/** Advance in 50 ms steps (the port watch's pace), checking after each that every name serves. */
async function stepWhileServing(r: Rig, steps: number, names: string[], when: string): Promise<void> {
  for (let i = 0; i < steps; i++) {
    r.clock.advance(50);
    await settle();
    for (const name of names) assertServing(r, name, `${when}, step ${i}`);
  }
}

async function readyRig(names: Array<[string, number]>, ports: PortAllocator = fixedPorts()) {
  const r = await rig(
    names.map(([name, port]) => spec(name, port)),
    { ports, bootTimeoutMs: 3_000 },
  );
  for (const [, port] of names) r.openPorts.add(port);
  for (let i = 0; i < 5; i++) {
    r.clock.advance(50);
    await settle();
  }
  for (const [name] of names) assertServing(r, name, 'before the rollout');
  return { r, ports };
}

test('surge: the next generation starts beside the old one on a port of its own; the old one is stopped once it is ready', async () => {
  const ports = fixedPorts();
  const { r } = await readyRig([['web.1', 5000]], ports);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge', spec: (s) => ({ ...s, command: 'run v2', release: 'v2' }) });
  await settle();
  assert.deepEqual([...(ports.asked[0] ?? [])], [5000], 'the allocator is told which ports the formation holds');
  const [old, next] = r.world.of('web.1');
  assert.ok(old && next, 'two generations spawned');
  assert.equal(next.req.spec.command, 'run v2');
  assert.equal(next.req.env.PORT, '6000');
  assert.equal(next.req.spec.port, 6000);
  assert.equal(r.world.signals.length, 0, 'the old generation is not signalled before the new one is ready');
  assert.deepEqual(
    rows(r, 'web.1').map((s) => [s.generation, s.role, s.state, s.port, s.release ?? null]),
    [
      [1, 'member', 'running', 5000, null],
      [2, 'incoming', 'starting', 6000, 'v2'],
    ],
  );

  await stepWhileServing(r, 10, ['web.1'], 'the replacement is not listening yet');
  assert.equal(r.world.signals.length, 0);
  r.openPorts.add(6000);
  await stepWhileServing(r, 4, ['web.1'], 'the replacement listens');
  assert.deepEqual(r.world.signals.map((s) => [s.pgid, s.signal]), [[old.pid, 'SIGTERM']], 'then the old one is stopped');
  assert.deepEqual(await done, { ok: true, replaced: ['web.1'] });
  assert.deepEqual(
    rows(r, 'web.1').map((s) => [s.generation, s.role, s.state, s.port, s.pid, s.release, s.restarts]),
    [[2, 'member', 'running', 6000, next.pid, 'v2', 1]],
  );
  assert.ok(r.messages().includes('web.1: generation 2 is ready: stopping generation 1'), r.messages().join('\n'));
  assert.deepEqual(r.sup.specs().map((s) => [s.name, s.command, s.port]), [['web.1', 'run v2', 6000]]);
  await finish(r);
});

test('surge of two instances: one name at a time, each keeps a ready generation at every step', async () => {
  const { r } = await readyRig([
    ['web.1', 5000],
    ['web.2', 5001],
  ]);
  const done = r.sup.rollout({ names: ['web.1', 'web.2'], mode: 'surge' });
  await settle();
  assert.equal(r.world.of('web.1').length, 2);
  assert.equal(r.world.of('web.2').length, 1, 'web.2 waits for web.1');
  await stepWhileServing(r, 3, ['web.1', 'web.2'], 'web.1 surging');
  r.openPorts.add(6000);
  await stepWhileServing(r, 4, ['web.1', 'web.2'], 'web.1 replaced');
  assert.equal(r.world.of('web.2').length, 2, 'then web.2 surges');
  r.openPorts.add(6001);
  await stepWhileServing(r, 4, ['web.1', 'web.2'], 'web.2 replaced');
  assert.deepEqual(await done, { ok: true, replaced: ['web.1', 'web.2'] });
  assert.deepEqual(
    r.sup.status().map((s) => [s.name, s.generation, s.port, s.role]),
    [
      ['web.1', 2, 6000, 'member'],
      ['web.2', 2, 6001, 'member'],
    ],
  );
  await finish(r);
});

test('surge: a replacement that never accepts connections is stopped; the old generation keeps serving, and the rollout says why', async () => {
  const { r } = await readyRig([
    ['web.1', 5000],
    ['web.2', 5001],
  ]);
  const done = r.sup.rollout({ names: ['web.1', 'web.2'], mode: 'surge' });
  await settle();
  const [old, next] = r.world.of('web.1');
  // 3 s of boot timeout, then the replacement is stopped; the old one is never signalled.
  await stepWhileServing(r, 62, ['web.1', 'web.2'], 'waiting for a replacement that never listens');
  const result = await done;
  assert.deepEqual(result, { ok: false, replaced: [], failed: 'web.1', reason: 'did not accept connections on port 6000 within 3 s' });
  assert.deepEqual(r.world.signals.map((s) => s.pgid), [next?.pid], 'only the replacement was signalled');
  assert.equal(r.world.of('web.2').length, 1, 'the names after the failed one are left as they were');
  assert.deepEqual(
    r.sup.status().map((s) => [s.name, s.generation, s.state, s.pid, s.role]),
    [
      ['web.1', 1, 'running', old?.pid, 'member'],
      ['web.2', 1, 'running', r.world.last('web.2').pid, 'member'],
    ],
  );
  assert.ok(
    r.messages().some((m) => m.includes('generation 2 did not accept connections on port 6000 within 3 s; generation 1 keeps serving')),
    r.messages().join('\n'),
  );
  assert.equal(r.code(), undefined, 'a failed rollout does not stop the formation');
  await finish(r);
});

test('surge: a replacement that exits while booting fails the rollout and is not restarted', async () => {
  const { r } = await readyRig([['web.1', 5000]]);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge', spec: (s) => ({ ...s, command: 'broken' }) });
  await settle();
  r.clock.advance(100);
  r.world.last('web.1').exit({ reason: 'exit-code', code: 1 });
  await stepWhileServing(r, 4, ['web.1'], 'after the replacement exited');
  assert.deepEqual(await done, { ok: false, replaced: [], failed: 'web.1', reason: 'exited with code 1' });
  assert.equal(r.world.of('web.1').length, 2, 'the replacement is not restarted');
  assert.equal(r.world.signals.length, 0);
  assert.deepEqual(
    r.sup.status().map((s) => [s.name, s.generation, s.state, s.role]),
    [['web.1', 1, 'running', 'member']],
  );
  assert.equal(r.code(), undefined, 'the formation rule ignores a replacement that failed');
  await finish(r);
});

test('surge of a worker (no port): started beside the old one, which is stopped once the new one runs', async () => {
  const ports = fixedPorts();
  const r = await rig([spec('worker.1')], { ports });
  const [old] = r.world.of('worker.1');
  const done = r.sup.rollout({ names: ['worker.1'], mode: 'surge' });
  await settle();
  assert.equal(r.world.of('worker.1').length, 2);
  assert.equal(ports.asked.length, 0, 'no port asked for an instance without one');
  assert.equal(r.world.last('worker.1').req.env.PORT, undefined);
  r.clock.advance(10);
  assert.deepEqual(await done, { ok: true, replaced: ['worker.1'] });
  assert.deepEqual(r.world.signals.map((s) => s.pgid), [old?.pid]);
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.generation, s.state]), [['worker.1', 2, 'running']]);
  await finish(r);
});

test('stop-first with a new spec: the same port, the next generation, the new command and release', async () => {
  const { r } = await readyRig([['web.1', 5000]]);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'stop-first', spec: (s) => ({ ...s, command: 'run v3', release: 'v3', port: 7777 }) });
  assert.deepEqual(r.world.signals.map((s) => s.name), ['web.1'], 'stopped first');
  r.clock.advance(10);
  const next = r.world.last('web.1');
  assert.equal(next.req.spec.command, 'run v3');
  assert.equal(next.req.spec.port, 5000, 'stop-first keeps the port');
  assert.equal(next.req.env.PORT, '5000');
  assert.deepEqual(
    r.sup.status().map((s) => [s.name, s.generation, s.release, s.role, s.state]),
    [['web.1', 2, 'v3', 'member', 'starting']],
  );
  for (let i = 0; i < 3; i++) {
    r.clock.advance(50);
    await settle();
  }
  assert.deepEqual(await done, { ok: true, replaced: ['web.1'] });
  await finish(r);
});

test('stop-first: a replacement that exits at once fails the rollout with its exit', async () => {
  const r = await rig([spec('worker.1'), spec('worker.2')], { canDie: ['worker'] });
  const done = r.sup.rollout({ names: ['worker.1', 'worker.2'], mode: 'stop-first' });
  r.clock.advance(10);
  r.world.last('worker.1').exit({ reason: 'exit-code', code: 2 });
  await settle();
  r.clock.advance(10);
  const result = await done;
  assert.deepEqual(result, { ok: false, replaced: [], failed: 'worker.1', reason: 'exited with code 2' });
  assert.equal(r.world.of('worker.2').length, 1, 'worker.2 left as it was');
  await finish(r);
});

test('rollouts run one at a time, in the order asked; an unknown name is refused at once', async () => {
  const { r } = await readyRig([
    ['web.1', 5000],
    ['web.2', 5001],
  ]);
  await assert.rejects(
    r.sup.rollout({ names: ['web.9'], mode: 'surge' }),
    (err: unknown) => err instanceof DozenError && err.code === 'usage',
  );
  const order: string[] = [];
  const first = r.sup.rollout({ names: ['web.1'], mode: 'surge' }).then((x) => order.push(`first ${x.ok}`));
  const second = r.sup.rollout({ names: ['web.2'], mode: 'stop-first' }).then((x) => order.push(`second ${x.ok}`));
  await settle();
  assert.equal(r.world.signals.length, 0, 'the stop-first rollout waits for the surge before it');
  r.openPorts.add(6000);
  for (let i = 0; i < 10; i++) {
    r.clock.advance(50);
    await settle();
  }
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first true', 'second true']);
  assert.deepEqual(r.world.signals.map((s) => s.name), ['web.1', 'web.2']);
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.generation, s.port]), [['web.1', 2, 6000], ['web.2', 2, 5001]]);
  await finish(r);
});

test('stopping a name during its surge stops both generations', async () => {
  const { r } = await readyRig([['web.1', 5000]]);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge' });
  await settle();
  const stopped = r.sup.stop(['web.1']);
  r.clock.advance(10);
  await stopped;
  const result = await done;
  assert.equal(result.ok, false);
  assert.deepEqual(r.world.signals.map((s) => s.name).sort(), ['web.1', 'web.1']);
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.generation, s.state]), [['web.1', 1, 'stopped']]);
  await finish(r);
});

test('shutting down during a surge stops both generations and ends the rollout', async () => {
  const { r } = await readyRig([['web.1', 5000]]);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge' });
  await settle();
  const shut = r.sup.shutdown('received SIGTERM', 143);
  r.clock.advance(10);
  assert.equal(await shut, 143);
  assert.deepEqual(await done, { ok: false, replaced: [], failed: 'web.1', reason: 'dozen is stopping' });
  assert.equal(r.world.alive.size, 0, 'no process left');
});

/** An allocator that answers only when the test says so. */
function heldPorts() {
  let answer: (port: number) => void = () => {};
  const asked: number[] = [];
  const ports: PortAllocator = {
    surgePort: () =>
      new Promise((resolve) => {
        asked.push(asked.length);
        answer = resolve;
      }),
  };
  return { ports, asked, answer: (port: number) => answer(port) };
}

test('a restart queued behind a scale-down of the same name leaves it removed, and both calls resolve', async () => {
  const { r } = await readyRig([
    ['web.1', 5000],
    ['web.2', 5001],
  ]);
  const removing = r.sup.remove(['web.2']);
  const restarting = r.sup.restart(['web.2']);
  r.clock.advance(10);
  await removing;
  assert.deepEqual(await restarting, { ok: true, replaced: [] });
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.generation]), [['web.1', 1]]);
  assert.equal(r.world.of('web.2').length, 1, 'web.2 was not started again');
  await finish(r);
});

test('a restart asked while a stop is under way: the stop completes (and resolves), then the instance starts again', async () => {
  const r = await rig([spec('worker.1')]);
  r.world.last('worker.1').reactions.SIGTERM = { type: 'exit-after', ms: 500 };
  const stopping = r.sup.stop(['worker.1']);
  const restarting = r.sup.restart(['worker.1']);
  r.clock.advance(510);
  await stopping;
  r.clock.advance(10);
  assert.deepEqual(await restarting, { ok: true, replaced: ['worker.1'] });
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.state, s.generation]), [['worker.1', 'running', 2]]);
  await finish(r);
});

test('stopping the old instance while a surge looks for a port: no replacement starts, the stop stands', async () => {
  const held = heldPorts();
  const { r } = await readyRig([['web.1', 5000]], held.ports);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge' });
  await settle();
  assert.equal(held.asked.length, 1);
  const stopping = r.sup.stop(['web.1']);
  r.clock.advance(10);
  await stopping;
  held.answer(6000);
  assert.deepEqual(await done, { ok: false, replaced: [], failed: 'web.1', reason: 'was stopped meanwhile' });
  assert.equal(r.world.of('web.1').length, 1, 'no second generation');
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.state, s.generation]), [['web.1', 'stopped', 1]]);
  await finish(r);
});

test('scaling a name away while its surge looks for a port: it stays removed', async () => {
  const held = heldPorts();
  const { r } = await readyRig(
    [
      ['web.1', 5000],
      ['web.2', 5001],
    ],
    held.ports,
  );
  r.world.last('web.2').reactions.SIGTERM = { type: 'exit-after', ms: 1_000 };
  const done = r.sup.rollout({ names: ['web.2'], mode: 'surge' });
  await settle();
  const removing = r.sup.remove(['web.2']);
  held.answer(6000);
  await settle();
  r.clock.advance(1_010);
  await removing;
  assert.deepEqual(await done, { ok: true, replaced: [] });
  assert.equal(r.world.of('web.2').length, 1, 'no second generation');
  assert.deepEqual(r.sup.specs().map((s) => s.name), ['web.1']);
  await finish(r);
});

test('a restart while the release phase runs says dozen is still starting', async () => {
  const r = await rig([spec('web.1', 5000)], { releasePhase: spec('release') });
  assert.deepEqual(await r.sup.restart(['web.1']), { ok: false, replaced: [], failed: 'web.1', reason: 'dozen is still starting' });
  r.world.last('release').exit({ reason: 'exit-code', code: 0 });
  await finish(r);
});
