import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupMembers, isPidAlive, liveGroups, parseProcStat, readProcFile, readProcText } from '../../src/platform/proc.js';
import { signalGroup, parseSignal, exitCodeForSignal } from '../../src/platform/signals.js';
import { waitUntil } from '../fixtures/harness.js';

test('parseProcStat copes with spaces and parentheses in the command name', () => {
  assert.deepEqual(parseProcStat('123 (a b) c)) S 1 456 456 0 -1 4194560'), { pid: 123, state: 'S', ppid: 1, pgid: 456 });
  assert.deepEqual(parseProcStat('7 (sh) Z 1 7 7 0'), { pid: 7, state: 'Z', ppid: 1, pgid: 7 });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('readProcFile reads /proc files whole, and files larger than its first buffer', () => {
  assert.deepEqual(parseProcStat(readProcText('/proc/self/stat')), parseProcStat(readFileSync('/proc/self/stat', 'latin1')));
  assert.deepEqual(Buffer.from(readProcFile('/proc/self/environ')), readFileSync('/proc/self/environ'));
  const dir = mkdtempSync(join(tmpdir(), 'dozen-proc-'));
  try {
    const big = Buffer.from('x'.repeat(70_000) + '\n');
    writeFileSync(join(dir, 'big'), big);
    assert.deepEqual(Buffer.from(readProcFile(join(dir, 'big'))), big);
    assert.throws(() => readProcFile(join(dir, 'missing')), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseSignal and exit codes for signals', () => {
  assert.equal(parseSignal('TERM'), 'SIGTERM');
  assert.equal(parseSignal('sigint'), 'SIGINT');
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.equal(parseSignal('SIGNOPE'), undefined);
  assert.deepEqual(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => exitCodeForSignal(s as NodeJS.Signals)), [130, 143, 129]);
});

test('a group is live while any member is; signalGroup reaches grandchildren; ESRCH is not an error', { timeout: 10_000 }, async () => {
  const child = spawn('/bin/sh', ['-c', 'sleep 1000 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const pgid = child.pid!;
  try {
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const grandchild = Number(await waitUntil(() => out.match(/^(\d+)\n/)?.[1], 'the background pid', 5_000, () => out));
    assert.deepEqual(liveGroups([pgid, 999_999_999]), new Set([pgid]));
    assert.deepEqual(groupMembers(pgid).sort(), [pgid, grandchild].sort());
    assert.equal(signalGroup(pgid, 'SIGKILL'), true);
    const members = () => `members of group ${pgid}: ${groupMembers(pgid).join(', ') || 'none'}`;
    await waitUntil(() => !isPidAlive(grandchild) && !isPidAlive(pgid), 'the group to die', 5_000, () => `alive: ${[grandchild, pgid].filter((pid) => isPidAlive(pid)).join(', ')}`);
    await waitUntil(() => liveGroups([pgid]).size === 0, 'no live member', 5_000, members);
    // Zombies still count for kill(2): ESRCH (false) comes once they are reaped (PID 1 may be slow).
    await waitUntil(() => signalGroup(pgid, 'SIGTERM') === false, 'ESRCH once the zombies are reaped', 5_000, members);
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
});

test('signalGroup refuses group 0 and 1', () => {
  assert.throws(() => signalGroup(0, 'SIGTERM'), /refusing/);
  assert.throws(() => signalGroup(1, 'SIGTERM'), /refusing/);
});
