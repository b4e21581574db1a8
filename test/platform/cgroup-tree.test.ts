// The cgroup subtree: reading where cgroup2 is mounted and where we are (pure), falling back
// silently where it cannot be used, and with real processes where it can (skipped otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupTree, currentCgroup, findCgroup2Mount } from '../../src/platform/cgroup-tree.js';
import { isPidAlive } from '../../src/platform/proc.js';
import { waitUntil } from '../fixtures/harness.js';

const HYBRID = [
  '30 24 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev - cgroup2 cgroup2 rw',
  '32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu',
].join('\n');

test('findCgroup2Mount: the cgroup2 line of mountinfo, hybrid or unified, escapes decoded', () => {
  assert.deepEqual(findCgroup2Mount(HYBRID), { root: '/', mountPoint: '/sys/fs/cgroup/unified' });
  assert.deepEqual(findCgroup2Mount('40 1 0:30 /ns /sys/fs/my\\040cg rw - cgroup2 cgroup2 rw'), { root: '/ns', mountPoint: '/sys/fs/my cg' });
  assert.equal(findCgroup2Mount('32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu'), undefined);
  assert.equal(findCgroup2Mount(''), undefined);
});

test('currentCgroup: the unified line of /proc/self/cgroup', () => {
  assert.equal(currentCgroup('4:memory:/x\n0::/user.slice/a.service\n'), '/user.slice/a.service');
  assert.equal(currentCgroup('0::/\n'), '/');
  assert.equal(currentCgroup('4:memory:/x\n'), undefined);
});

test('open falls back (undefined) off Linux, without cgroup2, or when the folder is not ours', () => {
  assert.equal(CgroupTree.open({ platform: 'darwin' }), undefined);
  const proc = mkdtempSync(join(tmpdir(), 'dozen-cg-'));
  mkdirSync(join(proc, 'self'));
  writeFileSync(join(proc, 'self', 'cgroup'), '0::/\n');
  writeFileSync(join(proc, 'self', 'mountinfo'), '32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n');
  assert.equal(CgroupTree.open({ procRoot: proc }), undefined, 'no cgroup2 mount');
  // A cgroup2 "mount" whose folder does not exist (as good as not writable).
  writeFileSync(join(proc, 'self', 'mountinfo'), `31 30 0:27 / ${join(proc, 'nowhere')} rw - cgroup2 cgroup2 rw\n`);
  assert.equal(CgroupTree.open({ procRoot: proc }), undefined, 'not there');
});

const tree = CgroupTree.open({ name: `dozen-unit-${process.pid}` });

test('a leaf takes a process that cannot leave it, cgroup.kill empties it, and it is removed', { skip: tree === undefined ? 'no cgroup2 subtree may be created here' : false, timeout: 10_000 }, async () => {
  const t = tree as CgroupTree;
  const leaf = t.leaf(1);
  assert.ok(leaf);
  // It waits for a line: moved before it forks (dozen's shells move themselves first).
  const child = spawn('/bin/sh', ['-c', 'read go; env -i setsid sleep 1000 & wait'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  try {
    const pid = child.pid ?? -1;
    if (!t.enter(leaf, pid)) {
      t.dispose();
      return; // moving is refused here: nothing more to check (dozen falls back the same way)
    }
    child.stdin.write('go\n');
    // The shell's background job is born in the leaf, outside the shell's session.
    const procs = await waitUntil(() => (t.procs(leaf).length === 2 ? t.procs(leaf) : undefined), 'two processes in the leaf', 5_000, () => t.procs(leaf).join(' '));
    t.remove(leaf);
    assert.ok(existsSync(leaf), 'a populated leaf stays');
    assert.equal(t.kill(leaf) || (procs.forEach((p) => process.kill(p, 'SIGKILL')), true), true);
    await waitUntil(() => procs.every((p) => !isPidAlive(p)) || undefined, 'the leaf killed', 5_000, () => t.procs(leaf).join(' '));
    await waitUntil(() => t.procs(leaf).length === 0 || undefined, 'the leaf empty', 5_000, () => t.procs(leaf).join(' '));
    t.dispose();
    assert.ok(!existsSync(leaf) && !existsSync(t.root), 'leaf and folder removed');
  } finally {
    child.kill('SIGKILL');
    t.dispose();
  }
});
