import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DozenError } from '../../src/errors.js';
import { expandFormation, type ExpandInput } from '../../src/formation/expand.js';
import { parseFormation } from '../../src/formation/parse-formation.js';
import type { ProcfileEntry } from '../../src/procfile/types.js';

const entriesOf = (...names: string[]): ProcfileEntry[] => names.map((name, i) => ({ name, command: `run-${name}`, line: i + 1 }));

/** Expands `names` (a Procfile in that order) with a formation spec, as the CLI will. */
function expand(names: string[], spec?: string, extra: Partial<ExpandInput> = {}) {
  const entries = entriesOf(...names);
  const types = names.filter((n) => n !== 'release');
  return expandFormation({ entries, formation: parseFormation(spec, types), basePort: 5000, env: {}, cwd: '/app', ...extra });
}

/** `name:port` per instance: the compact shape the tables compare. */
const layout = (names: string[], spec?: string, extra: Partial<ExpandInput> = {}): string[] =>
  expand(names, spec, extra).instances.map((s) => `${s.name}:${s.port}`);

describe('expandFormation: names and ports', () => {
  const cases: Array<{ name: string; types: string[]; spec?: string; extra?: Partial<ExpandInput>; want: string[] }> = [
    { name: 'default: one of each', types: ['web', 'worker'], want: ['web.1:5000', 'worker.1:5100'] },
    { name: 'counts', types: ['web', 'worker'], spec: 'web=3,worker=2', want: ['web.1:5000', 'web.2:5001', 'web.3:5002', 'worker.1:5100', 'worker.2:5101'] },
    { name: 'Procfile order, not spec order', types: ['web', 'worker'], spec: 'worker=1,web=1', want: ['web.1:5000', 'worker.1:5100'] },
    { name: 'ports keep the type index when a type runs 0', types: ['web', 'worker', 'clock'], spec: 'clock=2', want: ['clock.1:5200', 'clock.2:5201'] },
    { name: 'release takes no port block', types: ['release', 'web', 'worker'], want: ['web.1:5000', 'worker.1:5100'] },
    { name: 'release in the middle', types: ['web', 'release', 'worker'], want: ['web.1:5000', 'worker.1:5100'] },
    { name: 'base port', types: ['web', 'worker'], extra: { basePort: 8000 }, want: ['web.1:8000', 'worker.1:8100'] },
    { name: 'all=0 runs nothing', types: ['web'], spec: 'all=0', want: [] },
    { name: '100 instances fit their block', types: ['web'], spec: 'web=100', extra: { basePort: 1000 }, want: Array.from({ length: 100 }, (_, i) => `web.${i + 1}:${1000 + i}`) },
    { name: 'highest port exactly 65535', types: ['web', 'worker'], spec: 'worker=2', extra: { basePort: 65434 }, want: ['worker.1:65534', 'worker.2:65535'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(layout(c.types, c.spec, c.extra), c.want));
  }
});

describe('expandFormation: specs', () => {
  test('each instance gets the app env plus PORT, PS and DYNO', () => {
    const { instances } = expand(['web', 'worker'], 'web=2', { env: { FOO: 'bar', PORT: '4000', PS: 'x' }, cwd: '/srv/app' });
    assert.deepEqual(instances, [
      { name: 'web.1', type: 'web', index: 1, command: 'run-web', port: 5000, env: { FOO: 'bar', PORT: '5000', PS: 'web.1', DYNO: 'web.1' }, cwd: '/srv/app' },
      { name: 'web.2', type: 'web', index: 2, command: 'run-web', port: 5001, env: { FOO: 'bar', PORT: '5001', PS: 'web.2', DYNO: 'web.2' }, cwd: '/srv/app' },
    ]);
  });

  test('the input env is not modified and specs do not share env objects', () => {
    const env = { FOO: 'bar' };
    const { instances } = expand(['web'], 'web=2', { env });
    assert.deepEqual(env, { FOO: 'bar' });
    assert.notEqual(instances[0]?.env, instances[1]?.env);
  });

  test('release: one spec, no PORT, PS=release, DYNO=release.1', () => {
    const { releasePhase: release, instances } = expand(['release', 'web'], undefined, { env: { FOO: 'bar' } });
    assert.deepEqual(release, {
      name: 'release',
      type: 'release',
      index: 1,
      command: 'run-release',
      port: undefined,
      env: { FOO: 'bar', PS: 'release', DYNO: 'release.1' },
      cwd: '/app',
    });
    assert.ok(!instances.some((s) => s.type === 'release'));
  });

  test('no release entry: release is undefined', () => {
    assert.equal(expand(['web']).releasePhase, undefined);
  });

  test('release is returned even when the formation or selection runs nothing', () => {
    assert.equal(expand(['release', 'web'], 'all=0').releasePhase?.name, 'release');
    assert.equal(expand(['release', 'web', 'worker'], undefined, { only: ['worker'] }).releasePhase?.name, 'release');
  });

  test('a type missing from a hand-built formation runs 0 times', () => {
    const out = expandFormation({ entries: entriesOf('web', 'worker'), formation: new Map([['worker', 2]]), basePort: 5000, env: {}, cwd: '/' });
    assert.deepEqual(out.instances.map((s) => s.name), ['worker.1', 'worker.2']);
  });
});

describe('expandFormation: selecting types (dozen start web worker)', () => {
  const types = ['web', 'worker', 'clock'];
  const cases: Array<{ name: string; spec?: string; only: string[]; want: string[] }> = [
    { name: 'one type, default formation', only: ['worker'], want: ['worker.1:5100'] },
    { name: 'two types, Procfile order', only: ['clock', 'web'], want: ['web.1:5000', 'clock.1:5200'] },
    { name: 'selected type runs at its formation count', spec: 'web=3', only: ['web'], want: ['web.1:5000', 'web.2:5001', 'web.3:5002'] },
    { name: 'selected type the formation leaves at 0 runs once', spec: 'worker=2', only: ['web'], want: ['web.1:5000'] },
    { name: 'all=N applies to the selection', spec: 'all=2', only: ['clock'], want: ['clock.1:5200', 'clock.2:5201'] },
    { name: 'repeated names count once', only: ['web', 'web'], want: ['web.1:5000'] },
    { name: 'empty selection = all types', only: [], want: ['web.1:5000', 'worker.1:5100', 'clock.1:5200'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(layout(types, c.spec, { only: c.only }), c.want));
  }

  test('an unknown type is a usage error listing the valid types', () => {
    assert.throws(() => expand(['web', 'worker'], undefined, { only: ['db'] }), (err: unknown) => {
      assert.ok(err instanceof DozenError);
      assert.equal(err.code, 'usage');
      assert.equal(err.message, 'unknown process type "db": expected one of web, worker');
      return true;
    });
  });

  test('release cannot be selected; the hint points to dozen run', () => {
    assert.throws(() => expand(['release', 'web'], undefined, { only: ['release'] }), {
      message: 'unknown process type "release": expected one of web.',
      hint: 'The release process runs once before the others; run it alone with "dozen run release".',
    });
  });
});

describe('expandFormation: limits', () => {
  test('a port above 65535 is an error naming the instance', () => {
    assert.throws(() => layout(['web', 'worker'], 'worker=3', { basePort: 65434 }), (err: unknown) => {
      assert.ok(err instanceof DozenError);
      assert.equal(err.code, 'config');
      assert.equal(err.message, 'worker.3 would get PORT 65536, above 65535.');
      assert.equal(err.hint, 'Lower the base port (-p/--port or PORT, now 65434): each process type takes the next 100 ports.');
      return true;
    });
  });

  test('a type that does not run cannot overflow', () => {
    assert.deepEqual(layout(['web', 'worker'], 'web=1', { basePort: 65500 }), ['web.1:65500']);
  });

  test('more than 100 instances of a type would collide with the next block', () => {
    assert.throws(() => layout(['web', 'worker'], 'web=101'), (err: unknown) => {
      assert.ok(err instanceof DozenError);
      assert.equal(err.code, 'formation');
      assert.equal(err.message, 'formation gives "web" 101 instances; expected 0 to 100.');
      return true;
    });
  });

  for (const basePort of [0, 65536, 1.5, Number.NaN]) {
    test(`base port ${basePort} is refused`, () => {
      assert.throws(() => expandFormation({ entries: entriesOf('web'), formation: new Map(), basePort, env: {}, cwd: '/' }), DozenError);
    });
  }
});
