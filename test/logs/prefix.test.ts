import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadFormatter, type HeadOptions } from '../../src/logs/prefix.js';

const AT = new Date(2026, 10, 28, 9, 5, 3, 250).getTime(); // local 09:05:03.250
const plain: HeadOptions = { color: false, timestamps: true, timestampFormat: 'time', names: ['web.1', 'worker.1'] };

test('heads without colour: timestamp, name padded to the widest (dozen included), separator', () => {
  const f = new HeadFormatter(plain);
  const cases: Array<[string, 'stdout' | 'stderr' | 'continued', string]> = [
    ['web.1', 'stdout', '09:05:03 web.1    | '],
    ['worker.1', 'stdout', '09:05:03 worker.1 | '],
    ['web.1', 'stderr', '09:05:03 web.1    ! '],
    ['web.1', 'continued', '09:05:03 web.1    + '],
    ['dozen', 'stdout', '09:05:03 dozen    | '],
  ];
  for (const [name, kind, want] of cases) assert.equal(f.head(AT, name, kind).toString(), want);
});

test('the column is at least as wide as "dozen" and as "release" when it is named', () => {
  assert.equal(new HeadFormatter({ ...plain, names: ['a.1'] }).head(AT, 'a.1', 'stdout').toString(), '09:05:03 a.1   | ');
  const withRelease = new HeadFormatter({ ...plain, names: ['a.1', 'release'] });
  assert.equal(withRelease.head(AT, 'release', 'stdout').toString(), '09:05:03 release | ');
  assert.equal(withRelease.head(AT, 'a.1', 'stdout').toString(), '09:05:03 a.1     | ');
});

test('--no-timestamp drops the time; iso uses RFC 3339', () => {
  const noTime = new HeadFormatter({ ...plain, timestamps: false });
  assert.equal(noTime.head(AT, 'web.1', 'stdout').toString(), 'web.1    | ');
  const iso = new HeadFormatter({ ...plain, timestampFormat: 'iso' });
  assert.match(iso.head(AT, 'web.1', 'stdout').toString(), /^2026-11-28T09:05:03\.250(Z|[+-]\d\d:\d\d) web\.1 {4}\| $/);
});

test('heads are reused within a second and rebuilt when the time text changes', () => {
  const f = new HeadFormatter(plain);
  const a = f.head(AT, 'web.1', 'stdout');
  assert.equal(f.head(AT + 500, 'web.1', 'stdout'), a);
  const b = f.head(AT + 1000, 'web.1', 'stdout');
  assert.notEqual(b, a);
  assert.equal(b.toString(), '09:05:04 web.1    | ');
});

test('a name wider than the column widens it from then on', () => {
  const f = new HeadFormatter(plain);
  assert.equal(f.head(AT, 'web.1', 'stdout').toString(), '09:05:03 web.1    | ');
  assert.equal(f.head(AT, 'scheduler.12', 'stdout').toString(), '09:05:03 scheduler.12 | ');
  assert.equal(f.head(AT, 'web.1', 'stdout').toString(), '09:05:03 web.1        | ');
});

test('colours: one per type, shared by its instances, cycling; stderr separator red; dozen bold', () => {
  const f = new HeadFormatter({ ...plain, color: true, timestamps: false, names: ['web.1', 'web.2', 'worker.1'] });
  assert.equal(f.head(0, 'web.1', 'stdout').toString(), '\x1b[0m\x1b[36mweb.1    \x1b[36m|\x1b[0m ');
  assert.equal(f.head(0, 'web.2', 'stdout').toString(), '\x1b[0m\x1b[36mweb.2    \x1b[36m|\x1b[0m ');
  assert.equal(f.head(0, 'worker.1', 'stdout').toString(), '\x1b[0m\x1b[33mworker.1 \x1b[33m|\x1b[0m ');
  assert.equal(f.head(0, 'web.1', 'stderr').toString(), '\x1b[0m\x1b[36mweb.1    \x1b[31m!\x1b[0m ');
  assert.equal(f.head(0, 'dozen', 'stdout').toString(), '\x1b[0m\x1b[1mdozen    \x1b[1m|\x1b[0m ');
  // More types than palette entries: colours cycle instead of running out.
  const many = Array.from({ length: 12 }, (_, i) => `t${i}.1`);
  const g = new HeadFormatter({ ...plain, color: true, timestamps: false, names: many });
  assert.equal(g.head(0, 't10.1', 'stdout').subarray(0, 9).toString(), g.head(0, 't0.1', 'stdout').subarray(0, 9).toString());
  assert.notEqual(g.head(0, 't1.1', 'stdout').subarray(0, 9).toString(), g.head(0, 't0.1', 'stdout').subarray(0, 9).toString());
});

test('no colour means no escape codes at all', () => {
  const f = new HeadFormatter({ ...plain, names: ['web.1'] });
  for (const kind of ['stdout', 'stderr', 'continued'] as const) assert.ok(!f.head(AT, 'web.1', kind).includes(0x1b));
});
