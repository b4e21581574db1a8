// What the router builds on, against the fake spawner and the manual clock: health checks as part
// of readiness (in a surge too), drainers before a request's stop signal, a rollout mode chosen
// per instance, and output published by a source of dozen's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DozenError } from '../../src/errors.js';
import type { HealthAnswer } from '../../src/platform/health-probe.js';
import type { DrainedInstance } from '../../src/supervisor/handle.js';
import type { PortAllocator } from '../../src/supervisor/port-allocator.js';
import type { SupervisorOptions } from '../../src/supervisor/supervisor.js';
import { finish, rig, settle, spec, type Rig } from './rig.js';

const ports = (): PortAllocator => {
  let next = 6000;
  return { surgePort: async () => next++ };
};

/** A rig whose health checks answer `statuses.get(port)` (no entry: the connection is refused). */
async function healthRig(names: Array<[string, number]>, opts: Partial<SupervisorOptions> = {}) {
  const statuses = new Map<number, number>();
  const asked: Array<[number, string]> = [];
  const probeHealth = async (port: number, path: string): Promise<HealthAnswer> => {
    asked.push([port, path]);
    const status = statuses.get(port);
    if (status === undefined) return { ok: false, status: undefined, error: 'ECONNREFUSED' };
    return status >= 200 && status < 400 ? { ok: true, status } : { ok: false, status, error: undefined };
  };
  const r = await rig(
    names.map(([name, port]) => ({ ...spec(name, port), ...(name.startsWith('web') ? { healthPath: '/health' } : {}) })),
    { ports: ports(), bootTimeoutMs: 3_000, probeHealth, ...opts },
  );
  return { r, statuses, asked };
}

async function step(r: Rig, times: number, ms = 50): Promise<void> {
  for (let i = 0; i < times; i++) {
    r.clock.advance(ms);
    await settle();
  }
}

const row = (r: Rig, name: string, generation?: number) =>
  r.sup.status().find((s) => s.name === name && (generation === undefined || s.generation === generation));

/** web.1 on 5000, listening and healthy. */
async function servingWeb(opts: Partial<SupervisorOptions> = {}) {
  const h = await healthRig([['web.1', 5000]], opts);
  h.r.openPorts.add(5000);
  h.statuses.set(5000, 200);
  await step(h.r, 5);
  assert.equal(row(h.r, 'web.1')?.ready, true);
  return h;
}

test('health path: ready only once the port accepts AND GET PATH answers 2xx/3xx', async () => {
  const { r, statuses, asked } = await healthRig([['web.1', 5000]]);
  await step(r, 4);
  assert.equal(asked.length, 0, 'no HTTP check before the port accepts');
  r.openPorts.add(5000);
  statuses.set(5000, 503);
  await step(r, 6);
  assert.deepEqual(asked[0], [5000, '/health']);
  assert.deepEqual([row(r, 'web.1')?.state, row(r, 'web.1')?.ready], ['starting', false], 'a 503 is not ready');
  assert.equal(r.events.filter((e) => e.type === 'ready').length, 0);
  statuses.set(5000, 302);
  await step(r, 6);
  assert.deepEqual([row(r, 'web.1')?.state, row(r, 'web.1')?.ready], ['running', true], 'a redirect passes');
  const ready = r.events.find((e) => e.type === 'ready');
  assert.ok(ready?.type === 'ready' && ready.health?.status === 302 && ready.health.path === '/health', JSON.stringify(ready));
  assert.ok(r.messages().some((m) => /^web\.1 listening on :5000; health check GET \/health answered 302 after \d+ ms$/.test(m)), r.messages().join('\n'));
  await finish(r);
});

test('health path: past the boot timeout the warning names the check, not the port', async () => {
  const { r, statuses } = await healthRig([['web.1', 5000]]);
  r.openPorts.add(5000);
  statuses.set(5000, 500);
  await step(r, 70);
  assert.ok(r.messages().includes('web.1 has not answered GET /health with 2xx/3xx after 3 s (port 5000 accepts)'), r.messages().join('\n'));
  statuses.set(5000, 200);
  await step(r, 3, 1_000);
  assert.equal(row(r, 'web.1')?.ready, true, 'a late pass is still ready');
  await finish(r);
});

/** A surge of a serving web.1 whose replacement listens on 6000 and answers `status`, `steps` × 50 ms on. */
async function surgeAnswering(status: number, steps: number) {
  const h = await servingWeb();
  const done = h.r.sup.rollout({ names: ['web.1'], mode: 'surge' });
  await settle();
  h.r.openPorts.add(6000);
  h.statuses.set(6000, status);
  await step(h.r, steps);
  return { ...h, done };
}

test('surge with a health path: the old generation is stopped only once the new one passes', async () => {
  const { r, statuses, done } = await surgeAnswering(503, 10);
  assert.deepEqual([row(r, 'web.1', 2)?.role, row(r, 'web.1', 2)?.state], ['incoming', 'starting']);
  assert.equal(r.world.signals.length, 0, 'listening but unhealthy: the old one serves on');
  statuses.set(6000, 200);
  await step(r, 4);
  assert.deepEqual(await done, { ok: true, replaced: ['web.1'] });
  assert.deepEqual(r.world.signals.map((s) => [s.pgid, s.signal]), [[r.world.of('web.1')[0]?.pid, 'SIGTERM']]);
  await finish(r);
});

test('surge with a health path that never passes: the replacement is stopped, the old one serves, the rollout says why', async () => {
  const { r, done } = await surgeAnswering(500, 65);
  assert.deepEqual(await done, { ok: false, replaced: [], failed: 'web.1', reason: 'did not answer GET /health with 2xx/3xx within 3 s (last: 500)' });
  assert.deepEqual(r.world.signals.map((s) => s.pgid), [r.world.of('web.1')[1]?.pid], 'only the replacement was signalled');
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.generation, s.ready]), [['web.1', 1, true]]);
  assert.ok(r.messages().some((m) => m.includes('generation 2 did not answer GET /health with 2xx/3xx within 3 s (last: 500); generation 1 keeps serving')), r.messages().join('\n'));
  await finish(r);
});

test('surge: a replacement whose port never accepts fails as before, health path or not', async () => {
  const { r } = await servingWeb();
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge' });
  await step(r, 65);
  const result = await done;
  assert.equal(result.ok ? '' : result.reason, 'did not accept connections on port 6000 within 3 s');
  await finish(r);
});

/** A drainer the test resolves by hand; records who was asked, and when the old one had been signalled. */
function manualDrainer(r: Rig) {
  const calls: Array<{ instance: DrainedInstance; signalledBefore: number; resolve: () => void }> = [];
  const drainer = (instance: DrainedInstance) =>
    new Promise<void>((resolve) => calls.push({ instance, signalledBefore: r.world.signals.length, resolve }));
  return { calls, drainer };
}

test('drain: a surge drains the outgoing generation before it is signalled', async () => {
  const { r, statuses } = await servingWeb();
  const { calls, drainer } = manualDrainer(r);
  r.sup.addDrainer(drainer);
  const other = manualDrainer(r);
  r.sup.addDrainer(other.drainer);
  const done = r.sup.rollout({ names: ['web.1'], mode: 'surge' });
  await settle();
  r.openPorts.add(6000);
  statuses.set(6000, 200);
  await step(r, 4);
  assert.deepEqual(calls.map((c) => [c.instance, c.signalledBefore]), [[{ name: 'web.1', type: 'web', port: 5000, generation: 1 }, 0]]);
  assert.equal(other.calls.length, 1, 'every drainer, in parallel');
  assert.deepEqual(
    r.sup.status().map((s) => [s.generation, s.role, s.state, s.ready]),
    [
      [1, 'outgoing', 'running', true],
      [2, 'member', 'running', true],
    ],
    'a draining instance is still running and ready',
  );
  calls[0]?.resolve();
  await step(r, 2);
  assert.equal(r.world.signals.length, 0, 'the signal waits for every drainer');
  other.calls[0]?.resolve();
  await step(r, 2);
  assert.deepEqual(r.world.signals.map((s) => [s.pgid, s.signal]), [[r.world.of('web.1')[0]?.pid, 'SIGTERM']]);
  assert.ok(r.events.some((e) => e.type === 'stopping' && e.instance === 'web.1'), 'the stopping event comes with the signal');
  assert.deepEqual(await done, { ok: true, replaced: ['web.1'] });
  await finish(r);
});

test('drain: stop, remove and a stop-first restart drain first; an unsubscribed drainer is not called', async () => {
  const { r } = await servingWeb();
  const { calls, drainer } = manualDrainer(r);
  const unsubscribe = r.sup.addDrainer(drainer);
  const gone = manualDrainer(r);
  r.sup.addDrainer(gone.drainer)();

  const restarted = r.sup.restart(['web.1']);
  await settle();
  assert.equal(calls.length, 1);
  assert.equal(r.world.signals.length, 0);
  calls[0]?.resolve();
  await step(r, 5);
  assert.equal(r.world.signals.length, 1, 'restart: signalled after the drain');
  assert.deepEqual(await restarted, { ok: true, replaced: ['web.1'] });

  const stopped = r.sup.stop(['web.1']);
  await settle();
  assert.equal(calls.length, 2);
  assert.equal(calls[1]?.instance.generation, 2);
  calls[1]?.resolve();
  await step(r, 2);
  await stopped;
  assert.equal(r.world.signals.length, 2);
  assert.equal(gone.calls.length, 0);

  void r.sup.restart(['web.1']);
  await step(r, 5);
  const removed = r.sup.remove(['web.1']);
  await settle();
  assert.equal(calls.length, 3, 'remove (a scale down) drains');
  assert.equal(r.world.signals.length, 2, 'a stopped instance is started without a drain, and the removed one waits for its drain');
  calls[2]?.resolve();
  await step(r, 2);
  await removed;
  assert.equal(r.world.signals.length, 3);
  unsubscribe();
  await finish(r);
});

test('drain: a drainer that does not finish within the stop timeout is abandoned, one that throws is reported', async () => {
  const { r } = await servingWeb({ timeoutMs: 1_000 });
  r.sup.addDrainer(() => new Promise(() => undefined));
  r.sup.addDrainer(async () => {
    throw new Error('router gone');
  });
  const stopped = r.sup.stop(['web.1']);
  await step(r, 19);
  assert.equal(r.world.signals.length, 0, 'still draining at 950 ms');
  assert.ok(r.messages().includes('web.1: a drainer failed (router gone); stopping it anyway'), r.messages().join('\n'));
  await step(r, 2);
  assert.equal(r.world.signals.length, 1, 'signalled at the stop timeout');
  assert.ok(r.messages().includes('web.1 was not drained within 1 s: stopping it anyway'), r.messages().join('\n'));
  await step(r, 1);
  await stopped;
  await finish(r);
});

test('drain: not when dozen stops, nor for an instance that is not ready or has no port', async () => {
  const { r, statuses } = await healthRig([
    ['web.1', 5000],
    ['web.2', 5001],
    ['worker.1', 5100],
  ]);
  r.openPorts.add(5000);
  statuses.set(5000, 200);
  const { calls, drainer } = manualDrainer(r);
  r.sup.addDrainer(drainer);
  await step(r, 5);
  assert.equal(row(r, 'web.1')?.ready, true);
  // web.2 listens on nothing and worker.1 never bound its port: neither is ready.
  const stopped = r.sup.stop(['web.2', 'worker.1']);
  assert.deepEqual(r.world.signals.map((s) => s.name), ['web.2', 'worker.1'], 'signalled at once');
  await step(r, 1);
  await stopped;
  assert.equal(calls.length, 0);
  const code = finish(r);
  await settle();
  assert.equal(calls.length, 0, 'the formation stops without drains');
  assert.equal(await code, 0);
});

test('a rollout mode per instance: web surges, the others restart stop-first', async () => {
  const r = await rig([spec('web.1', 5000), spec('worker.1')], { ports: ports(), bootTimeoutMs: 3_000 });
  r.openPorts.add(5000);
  await step(r, 5);
  const modes: string[] = [];
  const done = r.sup.rollout({
    names: ['web.1', 'worker.1'],
    mode: (current) => {
      modes.push(current.name);
      return current.type === 'web' ? 'surge' : 'stop-first';
    },
  });
  await settle();
  assert.equal(r.world.of('web.1').length, 2, 'web: the next generation beside the old one');
  assert.equal(r.world.signals.length, 0);
  r.openPorts.add(6000);
  await step(r, 8);
  assert.deepEqual(await done, { ok: true, replaced: ['web.1', 'worker.1'] });
  assert.deepEqual(modes, ['web.1', 'worker.1']);
  assert.deepEqual(r.world.signals.map((s) => s.name), ['web.1', 'worker.1'], 'the worker was stopped before its next run (stop-first)');
  assert.equal(r.world.last('worker.1').req.env.PORT, undefined);
  assert.deepEqual(r.sup.status().map((s) => [s.name, s.generation, s.port]), [['web.1', 2, 6000], ['worker.1', 2, undefined]]);
  await finish(r);
});

test('publish: output of a source of dozen\'s own reaches every subscriber; a formation name is refused', async () => {
  const r = await rig([spec('web.1', 5000)]);
  r.sup.publish('router', Buffer.from('GET / 200 3 ms\nGET /a 404 1 ms\n'));
  const out = r.events.filter((e) => e.type === 'output');
  assert.deepEqual(
    out.map((e) => e.type === 'output' && [e.instance, e.stream, e.data.toString()]),
    [['router', 'stdout', 'GET / 200 3 ms\nGET /a 404 1 ms\n']],
  );
  for (const name of ['web.1', 'dozen']) {
    assert.throws(() => r.sup.publish(name, Buffer.from('x\n')), (err) => err instanceof DozenError && err.code === 'internal', name);
  }
  assert.throws(() => r.sup.publish('router', Buffer.from('half a line')), (err) => err instanceof DozenError && err.code === 'internal');
  assert.equal(r.events.filter((e) => e.type === 'output').length, 1);
  await finish(r);
});
