// Table tests: the Logplex and JSON formats, the filter flags, the SQL they become.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJson, formatLogplex, logplexTimestamp } from '../../src/logs/logplex-format.js';
import { DEFAULT_LIMIT, ftsCandidates, parseLogQuery, parseTimeSpec, psCondition, whereClause } from '../../src/logs/query.js';
import type { StoredLine } from '../../src/logs/store/stored-line.js';
import { typeOfInstance } from '../../src/logs/store/stored-line.js';
import { DozenError } from '../../src/errors.js';

const at = (iso: string, extraUs = 0) => Date.parse(iso) * 1000 + extraUs;

test('logplexTimestamp: UTC, six fraction digits, +00:00', () => {
  const table: Array<[number, string]> = [
    [at('2026-11-28T16:40:12.123Z', 456), '2026-11-28T16:40:12.123456+00:00'],
    [at('2026-11-28T16:40:12Z'), '2026-11-28T16:40:12.000000+00:00'],
    [at('2026-11-28T16:40:12.999Z', 999), '2026-11-28T16:40:12.999999+00:00'],
    [at('2027-01-01T00:00:00.000Z', 1), '2027-01-01T00:00:00.000001+00:00'],
    [0, '1970-01-01T00:00:00.000000+00:00'],
  ];
  for (const [us, want] of table) assert.equal(logplexTimestamp(us), want);
});

const line = (over: Partial<StoredLine>): StoredLine => ({
  id: 7,
  tsUs: at('2026-11-28T16:40:12.123Z', 456),
  instance: 'web.1',
  type: 'web',
  source: 'app',
  stream: 'stdout',
  text: 'GET / 200',
  ...over,
});

test('formatLogplex: app[instance], dozen[instance], dozen[dozen]', () => {
  const table: Array<[Partial<StoredLine>, string]> = [
    [{}, '2026-11-28T16:40:12.123456+00:00 app[web.1]: GET / 200'],
    [{ stream: 'stderr', text: 'boom' }, '2026-11-28T16:40:12.123456+00:00 app[web.1]: boom'],
    [{ source: 'dozen', stream: 'info', text: 'web.1 started pid 9 on port 5000' }, '2026-11-28T16:40:12.123456+00:00 dozen[web.1]: web.1 started pid 9 on port 5000'],
    [{ source: 'dozen', instance: 'dozen', type: 'dozen', stream: 'warn', text: 'sending SIGTERM to all processes' }, '2026-11-28T16:40:12.123456+00:00 dozen[dozen]: sending SIGTERM to all processes'],
    [{ instance: 'release', type: 'release', text: '' }, '2026-11-28T16:40:12.123456+00:00 app[release]: '],
    [{ text: 'ünïcödé ✓ and "quotes"' }, '2026-11-28T16:40:12.123456+00:00 app[web.1]: ünïcödé ✓ and "quotes"'],
  ];
  for (const [over, want] of table) assert.equal(formatLogplex(line(over)), want);
});

test('formatJson: one object per line, stable keys', () => {
  assert.equal(
    formatJson(line({ stream: 'stderr', text: 'a "b"\tc' })),
    '{"id":7,"time":"2026-11-28T16:40:12.123456+00:00","source":"app","instance":"web.1","type":"web","stream":"stderr","text":"a \\"b\\"\\tc"}',
  );
});

test('typeOfInstance', () => {
  const table: Array<[string, string]> = [['web.1', 'web'], ['web.12', 'web'], ['my-worker.3', 'my-worker'], ['release', 'release'], ['dozen', 'dozen'], ['a.b.2', 'a.b'], ['web.', 'web.']];
  for (const [i, t] of table) assert.equal(typeOfInstance(i), t, i);
});

const NOW = Date.parse('2026-11-28T16:40:00Z');

test('parseLogQuery: defaults and -n', () => {
  assert.deepEqual(parseLogQuery({}, NOW), { limit: DEFAULT_LIMIT, ps: undefined, source: undefined, grep: undefined, search: undefined, sinceUs: undefined, untilUs: undefined });
  assert.equal(parseLogQuery({ num: '5' }, NOW).limit, 5);
  assert.equal(parseLogQuery({ num: '0' }, NOW).limit, 0);
  assert.equal(parseLogQuery({ since: '1h' }, NOW).limit, undefined, 'a period: every line of it');
  assert.equal(parseLogQuery({ until: '1h' }, NOW).limit, undefined);
  assert.equal(parseLogQuery({ since: '1h', num: '3' }, NOW).limit, 3);
  assert.equal(parseLogQuery({ ps: ' web.* ' }, NOW).ps, 'web.*');
  assert.equal(parseLogQuery({ grep: 'a+b' }, NOW).grep?.source, 'a+b');
});

test('parseTimeSpec: durations ago and timestamps, in microseconds', () => {
  const table: Array<[string, number]> = [
    ['10m', (NOW - 600_000) * 1000],
    ['90s', (NOW - 90_000) * 1000],
    ['1.5h', (NOW - 5_400_000) * 1000],
    ['2d', (NOW - 2 * 86_400_000) * 1000],
    ['1w', (NOW - 7 * 86_400_000) * 1000],
    ['250ms', (NOW - 250) * 1000],
    ['2026-11-28T16:00:00Z', Date.parse('2026-11-28T16:00:00Z') * 1000],
    ['2026-11-28T16:00:00.5+01:00', Date.parse('2026-11-28T15:00:00.5Z') * 1000],
    ['2026-11-28 16:00', Date.parse('2026-11-28T16:00') * 1000],
    ['2026-11-28', Date.parse('2026-11-28') * 1000],
  ];
  for (const [spec, want] of table) assert.equal(parseTimeSpec(spec, NOW, '--since'), want, spec);
});

test('parseLogQuery: one-line usage errors', () => {
  const table: Array<[object, RegExp]> = [
    [{ num: '-1' }, /^-n: expected a number of lines, got "-1"$/],
    [{ num: '1e3' }, /^-n: expected a number of lines, got "1e3"$/],
    [{ source: 'web' }, /^--source: expected app, dozen or build, got "web"$/],
    [{ ps: '  ' }, /^--ps: expected a type, an instance or a glob, got ""$/],
    [{ grep: '(' }, /^--grep: invalid regular expression "\(": /],
    [{ search: ' ' }, /^--search: expected a full-text query, got ""$/],
    [{ since: 'yesterday' }, /^--since: expected a duration like 10m, 2h, 1d or a timestamp like 2026-11-28T16:40:00Z, got "yesterday"$/],
    [{ until: '10 minutes' }, /^--until: expected a duration/],
    [{ since: '2026-13-45' }, /^--since: expected/],
  ];
  for (const [opts, want] of table) {
    assert.throws(() => parseLogQuery(opts, NOW), (e: unknown) => e instanceof DozenError && e.code === 'usage' && want.test(e.message), JSON.stringify(opts));
  }
});

test('psCondition and whereClause', () => {
  assert.deepEqual(psCondition('web'), { sql: '(c.instance = ? OR c.type = ?)', params: ['web', 'web'] });
  assert.deepEqual(psCondition('web.2'), { sql: '(c.instance = ? OR c.type = ?)', params: ['web.2', 'web.2'] });
  assert.deepEqual(psCondition('web.*'), { sql: '(c.instance GLOB ? OR c.type GLOB ?)', params: ['web.*', 'web.*'] });
  assert.deepEqual(psCondition('web.[!1]'), { sql: '(c.instance GLOB ? OR c.type GLOB ?)', params: ['web.[^1]', 'web.[^1]'] });
  assert.deepEqual(whereClause({ ps: undefined, source: undefined, sinceUs: undefined, untilUs: undefined }), { sql: '1', params: [] });
  assert.deepEqual(whereClause({ ps: 'web', source: 'app', sinceUs: 5, untilUs: 9 }), {
    sql: '(c.instance = ? OR c.type = ?) AND c.source = ? AND c.ts >= ? AND c.ts < ?',
    params: ['web', 'web', 'app', 5, 9],
  });
});

test('ftsCandidates: the query as typed, then its words quoted', () => {
  assert.deepEqual(ftsCandidates('database'), ['database', '"database"']);
  assert.deepEqual(ftsCandidates('GET /api'), ['GET /api', '"GET" "/api"']);
  assert.deepEqual(ftsCandidates('say "hi"'), ['say "hi"', '"say" """hi"""']);
  assert.deepEqual(ftsCandidates('"x"'), ['"x"', '"""x"""']);
});
