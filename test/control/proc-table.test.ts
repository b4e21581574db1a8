import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pageSize, parseProcStat, processTree, readProcTable, type ProcSnapshot } from '../../src/control/proc-table.js';
import { sampleTrees, treeStats } from '../../src/control/tree-stats.js';

const linux = process.platform === 'linux';

// A real line of /proc/PID/stat, with a command name holding a space and a parenthesis.
const line =
  '4242 (my (odd) app) S 4200 4242 4200 0 -1 4194560 1207 0 0 0 37 12 5 3 20 0 1 0 123456 23879680 2894 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';

test('parseProcStat counts fields from the last parenthesis', () => {
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 4200, pgrp: 4242, state: 'S', cpuTicks: 37 + 12 + 5 + 3, rssPages: 2894 });
});

test('parseProcStat refuses what is not a stat line', () => {
  assert.equal(parseProcStat(''), undefined);
  assert.equal(parseProcStat('12 no parens S 1 2'), undefined);
  assert.equal(parseProcStat('12 (x) S'), undefined);
});

function snapshot(rows: Array<[pid: number, ppid: number, pgrp: number, state: string, ticks: number, pages: number]>, at = 0): ProcSnapshot {
  return { at, byPid: new Map(rows.map(([pid, ppid, pgrp, state, cpuTicks, rssPages]) => [pid, { pid, ppid, pgrp, state, cpuTicks, rssPages }])) };
}

test('the tree is the process group plus descendants that left it, and nothing else', () => {
  const snap = snapshot([
    [100, 1, 100, 'S', 0, 0], // sh -c, the instance's group leader
    [101, 100, 100, 'S', 0, 0], // the app
    [102, 101, 102, 'S', 0, 0], // a child that made its own group
    [103, 102, 102, 'S', 0, 0], // ... and its child
    [104, 1, 100, 'S', 0, 0], // orphaned into init, still in the group
    [200, 1, 200, 'S', 0, 0], // another instance
    [201, 200, 200, 'S', 0, 0],
  ]);
  assert.deepEqual(processTree(100, snap).map((e) => e.pid).sort(), [100, 101, 102, 103, 104]);
  assert.deepEqual(processTree(999, snap), []);
});

test('treeStats: CPU% between two snapshots, RSS of the live members only', () => {
  const before = snapshot([[100, 1, 100, 'S', 10, 100], [101, 100, 100, 'R', 50, 1000]], 0);
  const after = snapshot([[100, 1, 100, 'S', 10, 100], [101, 100, 100, 'R', 100, 1000], [102, 101, 100, 'Z', 5, 0], [103, 101, 100, 'R', 20, 10]], 500);
  // 75 ticks = 0.75 s of CPU in 0.5 s: 150% of one core.
  assert.deepEqual(treeStats(100, after, 4096, before), { cpuPercent: 150, rssBytes: (100 + 1000 + 10) * 4096, processes: 3 });
});

test('treeStats without a first snapshot averages over the uptime', () => {
  const after = snapshot([[100, 1, 100, 'S', 50, 1]]);
  assert.equal(treeStats(100, after, 4096, undefined, 2000).cpuPercent, 25);
});

test('treeStats never reports negative CPU when a member was reaped outside the tree', () => {
  const before = snapshot([[100, 1, 100, 'S', 10, 1], [101, 100, 100, 'S', 90, 1]], 0);
  const after = snapshot([[100, 1, 100, 'S', 10, 1]], 1000);
  assert.equal(treeStats(100, after, 4096, before).cpuPercent, 0);
});

test('the real /proc: this process is there with its parent, group and memory', { skip: !linux && 'needs /proc' }, async () => {
  const snap = await readProcTable();
  const self = snap.byPid.get(process.pid);
  assert.ok(self, 'own pid in the table');
  assert.equal(self.ppid, process.ppid);
  assert.ok(self.rssPages > 0);
  const status = readFileSync('/proc/self/status', 'utf8');
  const vmRssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  const bytes = self.rssPages * (await pageSize());
  // The same memory seen two ways, a moment apart: within a factor of two.
  assert.ok(bytes > (vmRssKb * 1024) / 2 && bytes < vmRssKb * 1024 * 2, `${bytes} vs VmRSS ${vmRssKb} kB`);
});

test('the real /proc: a shell with a background child and a busy child is one tree', { skip: !linux && 'needs /proc', timeout: 20_000 }, async (t) => {
  // A group leader `sh` with a sleeping child and a child that burns CPU until killed.
  const child = spawn('sh', ['-c', 'sleep 30 & node -e "for(;;){}" & echo started; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sh did not start its children: nothing printed within 10 s (exit code ${child.exitCode}, signal ${child.signalCode})`)), 10_000);
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const pid = child.pid as number;
  const stats = (await sampleTrees([{ pid, uptimeMs: undefined }], 300)).get(pid);
  assert.ok(stats);
  assert.equal(stats.processes, 3, 'sh, sleep and node');
  assert.ok(stats.rssBytes > 1024 * 1024, `rss ${stats.rssBytes}`);
  assert.ok(stats.cpuPercent > 0, `a busy loop uses some CPU: ${stats.cpuPercent}`);
});
