import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { parseRetention, DEFAULT_RETENTION } from '../../../src/logs/store/retention.js';
import { parseLogQuery } from '../../../src/logs/query.js';
import { DozenError } from '../../../src/errors.js';
import { DirectStore, type Row } from './store-writer-helpers.js';

test('parseRetention: age, count, both, defaults, errors', () => {
  const D = 86_400_000;
  const table: Array<[string | undefined, { maxAgeMs: number; maxLines: number }]> = [
    [undefined, DEFAULT_RETENTION],
    ['', DEFAULT_RETENTION],
    ['7d,1000000', { maxAgeMs: 7 * D, maxLines: 1_000_000 }],
    ['2d', { maxAgeMs: 2 * D, maxLines: 1_000_000 }],
    ['500', { maxAgeMs: 7 * D, maxLines: 500 }],
    ['12h, 50000', { maxAgeMs: 12 * 3_600_000, maxLines: 50_000 }],
    ['30m', { maxAgeMs: 30 * 60_000, maxLines: 1_000_000 }],
    ['1w', { maxAgeMs: 7 * D, maxLines: 1_000_000 }],
  ];
  for (const [spec, want] of table) assert.deepEqual(parseRetention(spec), want, String(spec));
  for (const bad of ['7 days', 'd7', '0', '-5', '1.5d', '7d,x']) {
    assert.throws(() => parseRetention(bad), (e: unknown) => e instanceof DozenError && e.code === 'usage' && /^--log-retention: /.test(e.message), bad);
  }
  assert.throws(() => parseRetention('0d'), /more than 0/);
});

function rows(n: number, tsMs: (i: number) => number): Row[] {
  return Array.from({ length: n }, (_, i) => ({ tsMs: tsMs(i), instance: `web.${(i % 2) + 1}`, text: `line ${i} word${i}` }));
}

test('pruning by line count keeps the newest lines, in slices, and keeps the FTS index exact', () => {
  const store = new DirectStore({ maxAgeMs: DEFAULT_RETENTION.maxAgeMs, maxLines: 3000 });
  try {
    const now = Date.now();
    store.write(rows(12_000, () => now));
    // Half indexed: pruning must unindex the indexed rows it deletes and skip the others.
    while (store.writer.indexSlice() > 0 && !store.writer.fullyIndexed()) {
      if ((store.db.prepare("SELECT value FROM meta WHERE key='fts_indexed_to'").pluck().get() as number) >= 6000) break;
    }
    let slices = 0;
    let deleted = 0;
    for (let n = store.writer.pruneSlice(now); n > 0; n = store.writer.pruneSlice(now)) {
      assert.ok(n <= 5000, 'a slice deletes at most PRUNE_SLICE lines');
      deleted += n;
      slices++;
    }
    assert.equal(deleted, 9000);
    assert.ok(slices >= 2);
    assert.equal(store.count(), 3000);
    store.indexAll();
    store.ftsIntegrity();
    const reader = LogReader.open(store.dir);
    assert.ok(reader);
    const q = (o: object) => reader.query(parseLogQuery(o, now));
    assert.deepEqual(q({ num: '1000000' }).map((l) => l.text)[0], 'line 9000 word9000');
    assert.deepEqual(q({ search: 'word8999' }), []);
    const indexed = (w: string) => store.db.prepare('SELECT count(*) FROM lines_fts WHERE lines_fts MATCH ?').pluck().get(w);
    assert.equal(indexed('word8999'), 0, 'pruned lines leave the index');
    assert.equal(indexed('word1'), 0);
    assert.equal(indexed('word9000'), 1);
    assert.equal(indexed('line'), 3000);
    assert.deepEqual(q({ search: 'word9000' }).map((l) => l.text), ['line 9000 word9000']);
    assert.deepEqual(q({ search: 'word11999' }).map((l) => l.text), ['line 11999 word11999']);
    reader.close();
  } finally {
    store.close();
    rmSync(store.dir, { recursive: true, force: true });
  }
});

test('pruning by age deletes lines older than the retention and nothing newer', () => {
  const hour = 3_600_000;
  const store = new DirectStore({ maxAgeMs: 24 * hour, maxLines: 1_000_000 });
  try {
    const now = Date.parse('2026-11-28T12:00:00Z');
    // 100 lines per hour over the last 48 hours, oldest first.
    store.write(rows(4800, (i) => now - 48 * hour + Math.floor(i / 100) * hour));
    store.indexAll();
    while (store.writer.pruneSlice(now) > 0);
    assert.equal(store.count(), 2400);
    const oldest = store.db.prepare('SELECT min(ts) FROM chunks').pluck().get() as number;
    assert.equal(oldest, (now - 24 * hour) * 1000);
    store.ftsIntegrity();
    assert.equal(store.writer.pruneSlice(now), 0, 'nothing left to prune');
  } finally {
    store.close();
    rmSync(store.dir, { recursive: true, force: true });
  }
});
