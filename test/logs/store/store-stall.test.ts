// StoreStall: a store without room retries after 1 s, 2 s, 4 s ... at most 30 s, says so once,
// and counts the lines not stored until a write succeeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkQueue } from '../../../src/logs/store/chunk-queue.js';
import { isNoRoom, StoreStall } from '../../../src/logs/store/store-stall.js';

function batchOf(lines: number) {
  const q = new ChunkQueue();
  q.push(1, 'web.1', 'app', 'stdout', Buffer.from('x\n'.repeat(lines)));
  q.pushText(2, 'dozen', 'dozen', 'info', 'a notice');
  return q.take(false);
}

test('backoff doubles up to 30 s; one notice; the lines not stored are counted until a write succeeds', { timeout: 5_000 }, () => {
  const stall = new StoreStall();
  assert.equal(stall.succeeded(), undefined, 'nothing to say when storing never stopped');
  assert.equal(stall.shouldTry(0), true);
  stall.skip(batchOf(3));
  assert.equal(stall.failed(0, 'no space'), 'log store: no space; lines are not stored until there is room (retrying)');
  const retries: number[] = [];
  let now = 0;
  for (let i = 0; i < 7; i++) {
    let next = now;
    while (!stall.shouldTry(next)) next += 500;
    retries.push(next - now);
    now = next;
    stall.skip(batchOf(1));
    assert.equal(stall.failed(now, 'no space'), undefined, 'said once');
  }
  assert.deepEqual(retries, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(stall.succeeded(), 'log store: storing again; 18 lines were not stored (no space)');
  assert.equal(stall.isStalled, false);
  assert.equal(stall.succeeded(), undefined);
});

test('which errors mean "no room" (retried) rather than a store that is broken', { timeout: 5_000 }, () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) assert.equal(isNoRoom({ code }), true, code);
  for (const code of ['EACCES', 'EIO', 'SQLITE_CORRUPT', undefined]) assert.equal(isNoRoom({ code }), false, String(code));
  assert.equal(isNoRoom(null), false);
});
