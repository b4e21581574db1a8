import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DozenError } from '../../src/errors.js';
import { parseFormation } from '../../src/formation/parse-formation.js';

const TYPES = ['web', 'worker', 'clock'];
const counts = (spec: string | undefined, types = TYPES): Record<string, number> => Object.fromEntries(parseFormation(spec, types));

describe('parseFormation: valid specs', () => {
  const cases: Array<[string | undefined, Record<string, number>]> = [
    [undefined, { web: 1, worker: 1, clock: 1 }],
    ['', { web: 1, worker: 1, clock: 1 }],
    ['  ', { web: 1, worker: 1, clock: 1 }],
    ['web=2', { web: 2, worker: 0, clock: 0 }],
    ['web=2,worker=1', { web: 2, worker: 1, clock: 0 }],
    ['all=3', { web: 3, worker: 3, clock: 3 }],
    ['all=2,web=0', { web: 0, worker: 2, clock: 2 }],
    ['web=5,all=0', { web: 5, worker: 0, clock: 0 }],
    [' web = 2 ,  worker=\t1 ', { web: 2, worker: 1, clock: 0 }],
    ['w eb=1 0', { web: 10, worker: 0, clock: 0 }],
    ['web=007', { web: 7, worker: 0, clock: 0 }],
    ['web=0,worker=0,clock=0', { web: 0, worker: 0, clock: 0 }],
  ];
  for (const [spec, want] of cases) {
    test(JSON.stringify(spec), () => assert.deepEqual(counts(spec), want));
  }

  test('the result follows the Procfile order of types', () => {
    assert.deepEqual([...parseFormation('clock=1,web=2', TYPES).keys()], TYPES);
  });

  test('no types at all', () => {
    assert.deepEqual(counts(undefined, []), {});
    assert.deepEqual(counts('all=4', []), {});
  });
});

describe('parseFormation: malformed specs', () => {
  const valid = '(valid types: web, worker, clock, or all)';
  const cases: Array<[string, string, string?]> = [
    ['web==2', `formation "web==2": expected TYPE=COUNT, got "web==2" ${valid}`],
    ['=1', `formation "=1": expected TYPE=COUNT, got "=1" with no type ${valid}`],
    ['=', `formation "=": expected TYPE=COUNT, got "=" with no type ${valid}`],
    ['web', `formation "web": expected TYPE=COUNT, got "web" ${valid}`],
    ['web=x', `formation "web=x": expected a whole number of instances (0 or more) for "web", got "x" ${valid}`],
    ['web=', `formation "web=": expected a whole number of instances (0 or more) for "web", got nothing ${valid}`],
    ['web=-1', `formation "web=-1": expected a whole number of instances (0 or more) for "web", got "-1" ${valid}`],
    ['web=1.5', `formation "web=1.5": expected a whole number of instances (0 or more) for "web", got "1.5" ${valid}`],
    ['web=1e3', `formation "web=1e3": expected a whole number of instances (0 or more) for "web", got "1e3" ${valid}`],
    ['web=99999999999999999999', `formation "web=99999999999999999999": expected a whole number of instances for "web", got "99999999999999999999" ${valid}`],
    [',', `formation ",": expected TYPE=COUNT items separated by ",", got an empty item ${valid}.`, 'Remove the extra ",".'],
    [',,,', `formation ",,,": expected TYPE=COUNT items separated by ",", got an empty item ${valid}.`, 'Remove the extra ",".'],
    ['web=1,', `formation "web=1,": expected TYPE=COUNT items separated by ",", got an empty item ${valid}.`, 'Remove the extra ",".'],
    ['web:2', `formation "web:2": expected TYPE=COUNT, got "web:2" ${valid}.`, 'Use "=", as in "web=2".'],
    ['db=1', `formation "db=1": expected a process type from the Procfile, got "db" ${valid}`],
    ['Web=1', `formation "Web=1": expected a process type from the Procfile, got "Web" ${valid}.`, 'Did you mean "web"?'],
    [
      'release=1',
      `formation "release=1": expected a process type, got "release" ${valid}.`,
      'The release process runs once, before the others; it cannot be scaled.',
    ],
    ['web=1,web=2', `formation "web=1,web=2": expected each type at most once, got "web" twice ${valid}`],
    ['all=1,all=2', `formation "all=1,all=2": expected each type at most once, got "all" twice ${valid}`],
  ];
  for (const [spec, message, hint] of cases) {
    test(spec, () => {
      assert.throws(
        () => parseFormation(spec, TYPES),
        (err: unknown) => {
          assert.ok(err instanceof DozenError);
          assert.equal(err.code, 'formation');
          assert.equal(err.message, message);
          assert.equal(err.hint, hint);
          return true;
        },
      );
    });
  }

  test('says so when the Procfile has no types', () => {
    assert.throws(() => parseFormation('web=1', []), {
      message: 'formation "web=1": expected a process type from the Procfile, got "web" (valid types: only all (the Procfile has no process types))',
    });
  });
});
