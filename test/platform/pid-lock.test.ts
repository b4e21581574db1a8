import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withPidLock } from '../../src/platform/pid-lock.js';

test('a held lock is refused with its holder; it is free again afterwards', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-lock-'));
  const path = join(dir, 'deploy.lock');
  try {
    const outer = await withPidLock(path, 'deploy of abc1234', async () => {
      const inner = await withPidLock(path, 'a second deploy', () => 'ran');
      assert.deepEqual(inner, { ok: false, holder: { pid: process.pid, what: 'deploy of abc1234' } });
      return 'outer ran';
    });
    assert.deepEqual(outer, { ok: true, value: 'outer ran' });
    assert.equal(existsSync(path), false);
    assert.deepEqual(await withPidLock(path, 'again', () => 1), { ok: true, value: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock whose holder is gone is taken over; a fresh empty one is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-lock-'));
  const path = join(dir, 'deploy.lock');
  try {
    writeFileSync(path, JSON.stringify({ pid: spawnSync('true').pid, what: 'a deploy that was killed' }));
    assert.deepEqual(await withPidLock(path, 'next', () => 'took over'), { ok: true, value: 'took over' });
    writeFileSync(path, '');
    assert.equal((await withPidLock(path, 'next', () => 'x')).ok, false, 'being written by its holder');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    assert.deepEqual(await withPidLock(path, 'next', () => 'x'), { ok: true, value: 'x' }, 'an old empty lock is stale');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
