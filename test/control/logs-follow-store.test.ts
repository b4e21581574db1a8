// The control API's logs over the real log store (writer thread, spool, SQLite): a query, then a
// follow that gets every matching line stored after its cursor, once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControlApi } from '../../src/control/api.js';
import type { ServerInfo } from '../../src/control/protocol.js';
import { attachLogStore } from '../../src/logs/store/attach-log-store.js';
import { storeFeed } from '../../src/logs/store/store-feed.js';
import type { StoredLine } from '../../src/logs/store/stored-line.js';
import { waitUntil } from '../fixtures/harness.js';
import { FakeSupervisor } from '../logs/store/fake-supervisor.js';

const info: ServerInfo = { pid: process.pid, version: '9.9.9', protocol: 1, stateDir: '/tmp/x', startedAt: 0, phase: 'running' };

test('followLogs over the real store: history by query, then each new matching line once, in order', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-feed-'));
  try {
    const sup = new FakeSupervisor();
    const store = attachLogStore(sup, { stateDir: dir, flushMs: 10 });
    const feed = storeFeed(dir, store);
    const api = createControlApi({ handle: sup, info, logs: () => feed });
    sup.output('web.1', ['GET / 200', 'GET /a 200']);
    // Light output goes to the spool, which the query reads too.
    let history = await api.logs({ ps: 'web' });
    for (let i = 0; i < 1000 && history.lines.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      history = await api.logs({ ps: 'web' });
    }
    assert.deepEqual(history.lines.map((l) => l.text), ['GET / 200', 'GET /a 200']);

    const got: StoredLine[] = [];
    const follow = api.followLogs({ ps: 'web' }, history.cursor, (lines) => void got.push(...lines), (m) => assert.fail(m));
    for (let i = 0; i < 20; i++) sup.output(i % 2 ? 'worker.1' : 'web.1', [`line ${i}`]);
    await waitUntil(() => got.length >= 10, 'ten web lines pushed', 15_000, () => JSON.stringify(got.map((l) => l.text)));
    follow.stop();
    assert.deepEqual(
      got.map((l) => l.text),
      Array.from({ length: 10 }, (_, i) => `line ${i * 2}`),
    );
    assert.ok(got.every((l, i) => i === 0 || l.id > (got[i - 1] as StoredLine).id));
    assert.ok((got[0] as StoredLine).id > history.cursor);
    await store.detach();
    feed.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
