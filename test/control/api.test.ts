// The control API without a transport: the fake supervisor behind it, a log feed over an array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createControlApi, MAX_QUERY_LINES } from '../../src/control/api.js';
import { ControlFailure } from '../../src/control/control-failure.js';
import { DozenError } from '../../src/errors.js';
import type { ServerInfo } from '../../src/control/protocol.js';
import { ArrayFeed } from './array-feed.js';
import { FakeSupervisor, spec } from './fake-supervisor.js';

const info: ServerInfo = { pid: process.pid, version: '9.9.9', protocol: 1, stateDir: '/tmp/x', startedAt: 0, phase: 'running' };

const twoWebs = () => new FakeSupervisor([spec('web.1', 5000), spec('web.2', 5001), spec('worker.1', 5100)]);

test('logs: a query with the CLI filters, capped, with the cursor to follow from', async () => {
  const feed = new ArrayFeed();
  feed.store(3);
  const api = createControlApi({ handle: twoWebs(), info, logs: () => feed });
  const { lines, cursor } = await api.logs({ num: '2', grep: 'line [23]' });
  assert.deepEqual(lines.map((l) => l.text), ['line 2', 'line 3']);
  assert.equal(cursor, 3);
  await api.logs({ num: String(MAX_QUERY_LINES * 10) });
  await api.logs({ since: '1h' });
  assert.deepEqual(feed.queries.slice(1).map((q) => q.limit), [MAX_QUERY_LINES, MAX_QUERY_LINES]);
});

test('logs: a bad filter is a bad request, a dozen without a store says so', async () => {
  const api = createControlApi({ handle: twoWebs(), info, logs: () => new ArrayFeed() });
  await assert.rejects(
    api.logs({ grep: '(' }),
    (err: unknown) => err instanceof ControlFailure && err.code === 'bad-request' && /--grep: invalid regular expression/.test(err.message),
  );
  const without = createControlApi({ handle: twoWebs(), info });
  await assert.rejects(without.logs({}), (err: unknown) => err instanceof ControlFailure && err.code === 'unsupported');
});

test('followLogs: every matching line stored after the cursor, in order, none lost while the consumer is slow', async () => {
  const feed = new ArrayFeed();
  feed.store(2);
  const api = createControlApi({ handle: twoWebs(), info, logs: () => feed });
  const got: string[] = [];
  let release: () => void = () => {};
  let held = false;
  const follow = api.followLogs(
    { ps: 'web' },
    2,
    async (lines) => {
      got.push(...lines.map((l) => `${l.instance} ${l.text}`));
      if (!held) {
        held = true; // the first push takes its time: what is stored meanwhile must follow later
        await new Promise<void>((resolve) => (release = resolve));
      }
    },
    (message) => assert.fail(message),
  );
  feed.store(2);
  feed.store(1, 'worker.1');
  feed.store(5);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, ['web.1 line 3', 'web.1 line 4'], 'one push at a time');
  release();
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, ['web.1 line 3', 'web.1 line 4', 'web.1 line 6', 'web.1 line 7', 'web.1 line 8', 'web.1 line 9', 'web.1 line 10']);
  follow.stop();
  assert.equal(feed.listenerCount(), 0, 'stop unsubscribes');
  feed.store(1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(got.length, 7);
});

test('followLogs: a store that cannot be read any more ends the follow with the reason', async () => {
  const feed = new ArrayFeed();
  const api = createControlApi({ handle: twoWebs(), info, logs: () => feed });
  const errors: string[] = [];
  api.followLogs({}, 0, () => undefined, (m) => errors.push(m));
  feed.after = () => {
    throw new Error('the database connection is not open');
  };
  feed.store(1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(errors, ['the database connection is not open']);
  assert.equal(feed.listenerCount(), 0);
});

test('rolloutTo: every member gets its spec from the new model, and scale plans from it afterwards', async () => {
  const sup = twoWebs();
  const model = (release: string) => ({
    instances: (formation: string) => {
      const n = Number(/web=(\d+)/.exec(formation)?.[1] ?? 0);
      return Array.from({ length: n }, (_, i) => ({ ...spec(`web.${i + 1}`, 5000 + i), release }));
    },
    specFor: (type: string, index: number) => ({ ...spec(`${type}.${index}`, undefined), command: `run ${type} ${release}`, release }),
  });
  const api = createControlApi({ handle: sup, info, model: model('v1') });
  const result = await api.rolloutTo(model('v2'), 'surge');
  assert.deepEqual(result, { ok: true, replaced: ['web.1', 'web.2', 'worker.1'] });
  assert.deepEqual(sup.calls, [{ method: 'rollout', args: ['surge', 'web.1', 'web.2', 'worker.1'] }]);
  assert.deepEqual(sup.specs().map((s) => [s.name, s.command, s.release]), [
    ['web.1', 'run web v2', 'v2'],
    ['web.2', 'run web v2', 'v2'],
    ['worker.1', 'run worker v2', 'v2'],
  ]);
  const { instances } = await api.status({ cpuSampleMs: 0 });
  assert.deepEqual(instances.map((i) => [i.name, i.generation, i.release]), [['web.1', 2, 'v2'], ['web.2', 2, 'v2'], ['worker.1', 2, 'v2']]);
  const scaled = await api.scale('web=3');
  assert.deepEqual(scaled.added.map((a) => a.name), ['web.3']);
  assert.equal(sup.specs().find((s) => s.name === 'web.3')?.release, 'v2', 'scaled from the model now running');
});

test('restart reports a replacement that failed; stop and restart resolve patterns over the members only', async () => {
  const sup = twoWebs();
  sup.rollout = async (request) => {
    sup.calls.push({ method: 'rollout', args: [request.mode, ...request.names] });
    return { ok: false, replaced: [], failed: 'web.1', reason: 'exited with code 1' };
  };
  const api = createControlApi({ handle: sup, info });
  const result = await api.restart(['web'], 'surge');
  assert.deepEqual(result.failure, { instance: 'web.1', reason: 'exited with code 1', surged: true });
  assert.deepEqual(sup.calls, [{ method: 'rollout', args: ['surge', 'web.1', 'web.2'] }]);
  const stop = await api.stop(['web.2']);
  assert.deepEqual([stop.failure, stop.instances.map((i) => [i.name, i.state])], [null, [['web.2', 'stopped']]]);
});

test('followLogs: a match behind pages of lines that do not match arrives with the same commit', async () => {
  const feed = new ArrayFeed();
  const api = createControlApi({ handle: twoWebs(), info, logs: () => feed });
  const got: string[] = [];
  const follow = api.followLogs({ ps: 'web' }, 0, (lines) => void got.push(...lines.map((l) => l.text)), (m) => assert.fail(m));
  await new Promise((resolve) => setImmediate(resolve));
  feed.lines.push(
    ...Array.from({ length: 10 }, (_, i) => ({ id: i + 1, tsUs: i, instance: 'worker.1', type: 'worker', source: 'app' as const, stream: 'stdout', text: `noise ${i}` })),
  );
  feed.store(1, 'web.1'); // one commit: ten lines of noise, then the match
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, ['line 11']);
  follow.stop();
});

test('switchRelease: the formation rolls out to the release model; types the release lacks are removed; working trees refuse', async () => {
  const sup = twoWebs();
  const v2 = {
    instances: (formation: string) => (formation.includes('web') ? [{ ...spec('web.1', 5000), release: 'v2' }] : []),
    specFor: (type: string, index: number) => ({ ...spec(`${type}.${index}`, 5000), command: `run ${type} v2`, release: 'v2' }),
    types: () => ['web'],
  };
  const asked: number[] = [];
  const api = createControlApi({ handle: sup, info, releaseModel: (version) => (asked.push(version), v2) });
  const result = await api.switchRelease(2, 'stop-first');
  assert.deepEqual(result, { version: 2, replaced: ['web.1', 'web.2'], failure: null });
  assert.deepEqual(asked, [2]);
  assert.deepEqual(sup.calls, [
    { method: 'rollout', args: ['stop-first', 'web.1', 'web.2'] },
    { method: 'remove', args: ['worker.1'] },
  ]);
  assert.deepEqual(sup.specs().map((s) => [s.name, s.release]), [['web.1', 'v2'], ['web.2', 'v2']]);

  const tree = createControlApi({ handle: twoWebs(), info });
  await assert.rejects(tree.switchRelease(2, 'stop-first'), (err: unknown) => err instanceof ControlFailure && err.code === 'unsupported');
  const broken = createControlApi({
    handle: twoWebs(),
    info,
    releaseModel: () => {
      throw new DozenError('usage', "v1's build b-1 is no longer kept");
    },
  });
  await assert.rejects(broken.switchRelease(1, 'stop-first'), (err: unknown) => err instanceof ControlFailure && err.code === 'failed' && /no longer kept/.test(err.message));
});

test('with a router, restarts and release switches surge the routed types and restart the others in place; status carries the router', async () => {
  const sup = twoWebs();
  const modes: string[] = [];
  sup.rollout = async (request) => {
    const specs = sup.specs();
    for (const name of request.names) {
      const spec = specs.find((s) => s.name === name)!;
      modes.push(`${name}:${typeof request.mode === 'function' ? request.mode(spec) : request.mode}`);
    }
    return { ok: true, replaced: request.names };
  };
  const routerInfo = { address: '127.0.0.1:8080', requests: 3, statusClasses: { '2xx': 3 }, latency: null, errors: {}, inFlight: 0, instances: [] };
  const api = createControlApi({ handle: sup, info, router: () => ({ info: () => routerInfo, types: new Set(['web']) }) });
  await api.restart([]);
  assert.deepEqual(modes, ['web.1:surge', 'web.2:surge', 'worker.1:stop-first']);
  modes.length = 0;
  await api.restart(['worker'], 'surge');
  assert.deepEqual(modes, ['worker.1:surge'], 'a mode asked for wins');
  assert.deepEqual((await api.status({ cpuSampleMs: 0 })).router, routerInfo);
  const plain = createControlApi({ handle: sup, info });
  assert.equal((await plain.status({ cpuSampleMs: 0 })).router, undefined);
});
