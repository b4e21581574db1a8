import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { parseLogQuery, type LogFilterOptions } from '../../../src/logs/query.js';
import { DirectStore, type Row } from './store-writer-helpers.js';

const T0 = Date.parse('2026-11-28T16:00:00Z');
const MIN = 60_000;

// Twelve lines over 11 minutes, three instances, dozen's own lines among them.
const ROWS: Row[] = [
  { tsMs: T0 + 0 * MIN, instance: 'web.1', text: 'GET /api/users 200 in 12ms' },
  { tsMs: T0 + 1 * MIN, instance: 'web.2', text: 'GET /api/orders 500 database timeout' },
  { tsMs: T0 + 2 * MIN, instance: 'worker.1', text: 'processing job 42 for user-42' },
  { tsMs: T0 + 3 * MIN, instance: 'web.1', text: 'connection reset by peer', stream: 'stderr' },
  { tsMs: T0 + 4 * MIN, instance: 'web.1', text: 'web.1 exited with code 3', source: 'dozen', stream: 'warn' },
  { tsMs: T0 + 5 * MIN, instance: 'dozen', text: 'sending SIGTERM to all processes', source: 'dozen', stream: 'info' },
  { tsMs: T0 + 6 * MIN, instance: 'worker.1', text: 'job 43 failed: database unreachable' },
  { tsMs: T0 + 7 * MIN, instance: 'web.2', text: 'Café crème served' },
  { tsMs: T0 + 8 * MIN, instance: 'web.10', text: 'GET /health 200' },
  { tsMs: T0 + 9 * MIN, instance: 'clock.1', text: 'tick database backup started' },
  { tsMs: T0 + 10 * MIN, instance: 'web.2', text: 'GET /api/users 200 in 8ms' },
  { tsMs: T0 + 11 * MIN, instance: 'worker.1', text: 'processing job 44' },
];

/** Runs `fn` twice: with the FTS index complete, and with no row indexed (the reader's fallback). */
function withStore(fn: (texts: (o: LogFilterOptions) => string[]) => void): void {
  for (const indexed of [true, false]) {
    const store = new DirectStore();
    try {
      store.write(ROWS);
      if (indexed) store.indexAll();
      const reader = LogReader.open(store.dir);
      assert.ok(reader);
      try {
        fn((o) => reader.query(parseLogQuery(o, T0 + 12 * MIN)).map((l) => l.text));
      } finally {
        reader.close();
      }
    } finally {
      store.close();
      rmSync(store.dir, { recursive: true, force: true });
    }
  }
}

const texts = (...idx: number[]) => idx.map((i) => (ROWS[i] as Row).text);

test('-n keeps the last N lines, oldest first', () => {
  withStore((run) => {
    assert.deepEqual(run({ num: '2' }), texts(10, 11));
    assert.deepEqual(run({}), texts(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    assert.deepEqual(run({ num: '0' }), []);
  });
});

test("--ps finds the lines of a source of dozen's own (the router), whose name is its type", () => {
  const store = new DirectStore();
  try {
    store.write([...ROWS, { tsMs: T0 + 11 * MIN, instance: 'router', text: 'GET / 200 web.1 3 ms' }]);
    const reader = LogReader.open(store.dir);
    assert.ok(reader);
    try {
      const run = (o: LogFilterOptions) => reader.query(parseLogQuery(o, T0 + 12 * MIN)).map((l) => `${l.instance} ${l.type} ${l.text}`);
      assert.deepEqual(run({ ps: 'router' }), ['router router GET / 200 web.1 3 ms']);
      assert.deepEqual(run({ ps: 'rout*' }), ['router router GET / 200 web.1 3 ms']);
    } finally {
      reader.close();
    }
  } finally {
    store.close();
    rmSync(store.dir, { recursive: true, force: true });
  }
});

test('--ps: a type, an instance, a glob', () => {
  withStore((run) => {
    assert.deepEqual(run({ ps: 'web' }), texts(0, 1, 3, 4, 7, 8, 10), 'type web, dozen line about web.1 included');
    assert.deepEqual(run({ ps: 'web.1' }), texts(0, 3, 4), 'web.1 is not web.10');
    assert.deepEqual(run({ ps: 'web.1*' }), texts(0, 3, 4, 8));
    assert.deepEqual(run({ ps: 'w*' }), texts(0, 1, 2, 3, 4, 6, 7, 8, 10, 11));
    assert.deepEqual(run({ ps: 'web.[!1]' }), texts(1, 7, 10));
    assert.deepEqual(run({ ps: 'nope' }), []);
  });
});

test('--source app|dozen', () => {
  withStore((run) => {
    assert.deepEqual(run({ source: 'dozen' }), texts(4, 5));
    assert.equal(run({ source: 'app' }).length, 10);
  });
});

test('--grep is a JavaScript regular expression', () => {
  withStore((run) => {
    assert.deepEqual(run({ grep: 'GET /api/\\w+ 200' }), texts(0, 10));
    assert.deepEqual(run({ grep: '^job \\d+ failed' }), texts(6));
    assert.deepEqual(run({ grep: 'database', num: '1' }), texts(9));
  });
});

test('--since and --until: durations ago and timestamps', () => {
  withStore((run) => {
    assert.deepEqual(run({ since: '2m' }), texts(10, 11), 'now is T0+12m');
    assert.deepEqual(run({ since: '2026-11-28T16:09:00Z' }), texts(9, 10, 11));
    assert.deepEqual(run({ until: '2026-11-28T16:02:00Z' }), texts(0, 1), '--until is exclusive');
    assert.deepEqual(run({ since: '2026-11-28T16:03:00Z', until: '2026-11-28T16:05:00Z' }), texts(3, 4));
    assert.deepEqual(run({ since: '2026-11-28T16:03:00Z', num: '1' }), texts(11));
    assert.deepEqual(run({ since: '2026-11-28T17:00:00Z' }), []);
    assert.deepEqual(run({ until: '2026-11-28T15:00:00Z' }), []);
  });
});

test('--search: FTS5 words, phrases, prefixes, boolean operators, NEAR, and filters combined', () => {
  withStore((run) => {
    assert.deepEqual(run({ search: 'database' }), texts(1, 6, 9));
    assert.deepEqual(run({ search: 'DATABASE' }), texts(1, 6, 9), 'case-insensitive');
    assert.deepEqual(run({ search: 'database timeout' }), texts(1), 'all words');
    assert.deepEqual(run({ search: '"database timeout"' }), texts(1), 'phrase');
    assert.deepEqual(run({ search: '"timeout database"' }), []);
    assert.deepEqual(run({ search: 'proc*' }), texts(2, 5, 11), 'prefix');
    assert.deepEqual(run({ search: 'database OR health' }), texts(1, 6, 8, 9));
    assert.deepEqual(run({ search: 'database NOT timeout' }), texts(6, 9));
    assert.deepEqual(run({ search: 'NEAR(job failed, 1)' }), texts(6));
    assert.deepEqual(run({ search: 'cafe' }), texts(7), 'diacritics folded');
    assert.deepEqual(run({ search: 'database', ps: 'worker' }), texts(6));
    assert.deepEqual(run({ search: 'database', num: '2' }), texts(6, 9));
    assert.deepEqual(run({ search: 'database', since: '2026-11-28T16:05:00Z' }), texts(6, 9));
    assert.deepEqual(run({ search: 'database', grep: 'un' }), texts(6));
  });
});

test('--search with --ps globs and --source: the index restricts hits to them', () => {
  withStore((run) => {
    assert.deepEqual(run({ search: 'database', ps: 'w*' }), texts(1, 6));
    assert.deepEqual(run({ search: 'database', ps: 'web.[!1]' }), texts(1));
    assert.deepEqual(run({ search: 'database', ps: 'clock.*' }), texts(9));
    assert.deepEqual(run({ search: 'database', ps: 'nomatch*' }), []);
    assert.deepEqual(run({ search: 'database', ps: 'nomatch' }), []);
    assert.deepEqual(run({ search: 'database', source: 'dozen' }), []);
    assert.deepEqual(run({ search: 'exited OR SIGTERM', source: 'dozen' }), texts(4, 5));
    assert.deepEqual(run({ search: 'exited OR SIGTERM', source: 'dozen', ps: 'web' }), texts(4));
    assert.deepEqual(run({ search: 'GET', ps: 'web.1*', num: '1' }), texts(8));
    // The index's own tags are not words of the lines.
    assert.deepEqual(run({ search: 'sapp' }), []);
    assert.deepEqual(run({ search: 'sdozen' }), []);
  });
});

test('--search: punctuation that is not FTS5 syntax is searched as words', () => {
  withStore((run) => {
    assert.deepEqual(run({ search: 'user-42' }), texts(2));
    assert.deepEqual(run({ search: 'GET /api/users' }), texts(0, 10));
    assert.deepEqual(run({ search: 'web.1' }), texts(4));
  });
});

test('--search: a query that is not valid FTS5 falls back to its words, never an SQL error', () => {
  withStore((run) => {
    assert.deepEqual(run({ search: 'NEAR(' }), [], 'searched as the word "near"');
    assert.deepEqual(run({ search: 'job 43 "failed:' }), texts(6));
    assert.deepEqual(run({ search: 'AND' }), []);
  });
});
