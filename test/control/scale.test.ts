import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffFormation } from '../../src/control/scale-diff.js';
import { createScaler, joinScaleArgs } from '../../src/control/scaler.js';
import { DozenError } from '../../src/errors.js';
import { expandFormation } from '../../src/formation/expand.js';
import { parseFormation } from '../../src/formation/parse-formation.js';
import type { ProcessSpec } from '../../src/formation/types.js';
import type { ProcfileEntry } from '../../src/procfile/types.js';

// The planner dozen start gives the server, built from the real formation code.
const entries: ProcfileEntry[] = [
  { name: 'release', command: 'migrate', line: 1 },
  { name: 'web', command: 'serve', line: 2 },
  { name: 'worker', command: 'work', line: 3 },
  { name: 'clock', command: 'tick', line: 4 },
];
const types = ['web', 'worker', 'clock'];
const plan = (formation: string): ProcessSpec[] =>
  expandFormation({ entries, formation: parseFormation(formation, types), basePort: 5000, env: { A: '1' }, cwd: '/app' }).instances;

function scalerOver(live: ProcessSpec[]) {
  return createScaler({ plan, current: () => live });
}

const names = (specs: ProcessSpec[]) => specs.map((s) => `${s.name}:${s.port}`);

test('scaling up adds the next instances with the ports of the formula', () => {
  const diff = scalerOver(plan('web=2,worker=1'))('web=4');
  assert.deepEqual(names(diff.add), ['web.3:5002', 'web.4:5003']);
  assert.deepEqual(diff.remove, []);
  assert.deepEqual(diff.add[0]?.env, { A: '1', PORT: '5002', PS: 'web.3', DYNO: 'web.3' });
});

test('scaling down removes the highest-numbered first', () => {
  const diff = scalerOver(plan('web=4,worker=1'))('web=1');
  assert.deepEqual(diff, { add: [], remove: ['web.4', 'web.3', 'web.2'] });
});

test('types the spec does not name keep their instances', () => {
  const live = plan('web=2,worker=2,clock=1');
  assert.deepEqual(scalerOver(live)('worker=0'), { add: [], remove: ['worker.2', 'worker.1'] });
  assert.deepEqual(scalerOver(live)('web=2'), { add: [], remove: [] });
});

test('a type that was not running can be scaled from zero, on its own port range', () => {
  const diff = scalerOver(plan('web=1'))('clock=2');
  assert.deepEqual(names(diff.add), ['clock.1:5200', 'clock.2:5201']);
});

test('several types at once: up one, down another', () => {
  const diff = scalerOver(plan('web=1,worker=3'))('web=2,worker=1');
  assert.deepEqual(names(diff.add), ['web.2:5001']);
  assert.deepEqual(diff.remove, ['worker.3', 'worker.2']);
});

test('all=N names every type', () => {
  const diff = scalerOver(plan('web=2,worker=0,clock=1'))('all=1');
  assert.deepEqual(names(diff.add), ['worker.1:5100']);
  assert.deepEqual(diff.remove, ['web.2']);
});

test('a bad spec is a formation error naming the valid types', () => {
  const scale = scalerOver(plan('web=1'));
  assert.throws(() => scale('wbe=2'), (err: unknown) => err instanceof DozenError && err.code === 'formation' && /valid types: web, worker, clock/.test(err.message));
  assert.throws(() => scale('web=x'), (err: unknown) => err instanceof DozenError && err.code === 'formation');
  assert.throws(() => scale('  '), (err: unknown) => err instanceof DozenError && err.code === 'formation');
});

test('diffFormation leaves instances present in both alone, with their current spec', () => {
  const live = plan('web=2').map((s) => ({ ...s, env: { ...s.env, OLD: 'yes' } }));
  const diff = diffFormation(live, plan('web=3'));
  assert.deepEqual(names(diff.add), ['web.3:5002']);
  assert.equal(diff.add[0]?.env.OLD, undefined);
});

test('diffFormation stops the highest-numbered first across types', () => {
  const diff = diffFormation(plan('web=3,worker=2'), []);
  assert.deepEqual(diff.remove, ['web.3', 'web.2', 'worker.2', 'web.1', 'worker.1']);
});

test('scale arguments: separate words and commas mean the same', () => {
  assert.equal(joinScaleArgs(['web=3', 'worker=0']), 'web=3,worker=0');
  assert.equal(joinScaleArgs(['web=3,worker=0']), 'web=3,worker=0');
  assert.equal(joinScaleArgs(['web=3, worker=0', 'clock=1']), 'web=3,worker=0,clock=1');
});
