// The store appender (dozen build's lines) beside a running dozen's store, with and without its
// writer thread: every line is kept, once, numbered in the order it was stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLogStore } from '../../../src/logs/store/attach-log-store.js';
import { LogReader } from '../../../src/logs/store/log-reader.js';
import { readSpool, spoolPath } from '../../../src/logs/store/spool.js';
import { StoreAppender } from '../../../src/logs/store/store-appender.js';
import { parseLogQuery, type LogFilterOptions } from '../../../src/logs/query.js';
import { waitUntil } from '../../fixtures/harness.js';
import { FakeSupervisor } from './fake-supervisor.js';

const T = { timeout: 30_000 };
const q = (o: LogFilterOptions) => parseLogQuery(o, Date.now());
const BUILD = 'b-20261128164012-1a2b3c4';

for (const [what, spoolBytes] of [['spooling', undefined], ['with its writer thread', 0]] as const) {
  test(`a build's lines beside a running dozen ${what}: all kept, in the order stored`, T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dozen-appender-'));
    try {
      const sup = new FakeSupervisor();
      let committed = 0;
      const store = attachLogStore(sup, { stateDir: dir, flushMs: 10, onCommit: (c) => (committed += c.lines), ...(spoolBytes === undefined ? {} : { spoolBytes }) });
      sup.output('web.1', ['before 1', 'before 2']);
      const stored = () => (spoolBytes === undefined ? (readSpool(spoolPath(dir))?.records.length ?? 0) >= 1 : committed >= 2);
      await waitUntil(stored, 'the running store to take the first lines', 10_000, () => `${committed} lines committed`);

      const appender = new StoreAppender(dir, { flushMs: 60_000 });
      appender.appendText(Date.now() * 1000, BUILD, 'build', 'info', '-----> Building 1a2b3c4');
      appender.append(Date.now() * 1000, BUILD, 'build', 'stdout', Buffer.from('step line 1\nstep line 2\n'));
      appender.close();
      appender.appendText(Date.now() * 1000, BUILD, 'build', 'info', 'after close: dropped');

      sup.output('web.1', ['after 1']);
      await store.detach();
      if (spoolBytes === undefined) assert.ok(existsSync(spoolPath(dir)), "the appender leaves the running dozen's spool in place");

      const reader = LogReader.open(dir);
      assert.ok(reader);
      try {
        const lines = reader.query(q({ num: '100' }));
        assert.deepEqual(lines.map((l) => [l.id, l.source, l.instance, l.text]), [
          [1, 'app', 'web.1', 'before 1'],
          [2, 'app', 'web.1', 'before 2'],
          [3, 'build', BUILD, '-----> Building 1a2b3c4'],
          [4, 'build', BUILD, 'step line 1'],
          [5, 'build', BUILD, 'step line 2'],
          [6, 'app', 'web.1', 'after 1'],
        ]);
        assert.deepEqual(reader.query(q({ source: 'build', ps: BUILD, grep: '2$' })).map((l) => [l.type, l.stream, l.text]), [[BUILD, 'stdout', 'step line 2']]);
        assert.deepEqual(reader.query(q({ source: 'build', search: 'Building' })).map((l) => l.id), [3]);
      } finally {
        reader.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a store that cannot be written: told once, the lines are dropped, nothing throws', T, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-appender-'));
  try {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, '');
    const errors: string[] = [];
    const appender = new StoreAppender(file, { onError: (text) => errors.push(text) });
    appender.appendText(Date.now() * 1000, BUILD, 'build', 'info', 'one');
    appender.flush();
    appender.appendText(Date.now() * 1000, BUILD, 'build', 'info', 'two');
    appender.close();
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /^cannot store lines in .*not-a-folder\/logs\.db: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
