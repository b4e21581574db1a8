// CPU% and memory of each instance's whole process tree, for `dozen ps`.
import { isLive, pageSize, processTree, readProcTable, type ProcEntry, type ProcSnapshot } from './proc-table.js';

/**
 * /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 per second for userspace
 * on every mainstream architecture (whatever the kernel's internal HZ).
 */
export const TICKS_PER_SECOND = 100;

export interface TreeStats {
  /** % of one CPU (100 = one core busy), as top shows it. */
  cpuPercent: number;
  /** Sum of the live members' RSS; pages shared between them are counted once per process, as ps does. */
  rssBytes: number;
  /** Live processes in the tree. */
  processes: number;
}

/**
 * Stats of the tree rooted at `rootPid`. With `before`, CPU% is the tree's CPU time between the
 * two snapshots over the time between them (a child born in between counts all its time, which it
 * spent in the window; one reaped inside the tree moved its time to its parent's "children" time).
 * Without `before`, CPU% is the average since the instance started (`uptimeMs`). `escaped`: pids
 * of the instance outside its tree (daemons, with their own trees), counted in it.
 */
export function treeStats(rootPid: number, after: ProcSnapshot, pageBytes: number, before?: ProcSnapshot, uptimeMs?: number, escaped: readonly number[] = []): TreeStats {
  const members = instanceProcesses(rootPid, escaped, after);
  const live = members.filter(isLive);
  const ticksAfter = sumTicks(members);
  let cpuPercent = 0;
  if (before) {
    const seconds = (after.at - before.at) / 1000;
    const delta = Math.max(0, ticksAfter - sumTicks(instanceProcesses(rootPid, escaped, before)));
    cpuPercent = seconds > 0 ? (delta / TICKS_PER_SECOND / seconds) * 100 : 0;
  } else if (uptimeMs !== undefined && uptimeMs > 0) {
    cpuPercent = (ticksAfter / TICKS_PER_SECOND / (uptimeMs / 1000)) * 100;
  }
  return {
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    rssBytes: live.reduce((sum, e) => sum + e.rssPages * pageBytes, 0),
    processes: live.length,
  };
}

/** The tree rooted at `rootPid` and the trees of the escaped pids, each process once. */
function instanceProcesses(rootPid: number, escaped: readonly number[], snapshot: ProcSnapshot): ProcEntry[] {
  const members = processTree(rootPid, snapshot);
  if (escaped.length === 0) return members;
  const all = new Map(members.map((e) => [e.pid, e]));
  for (const pid of escaped) {
    if (all.has(pid)) continue;
    for (const e of processTree(pid, snapshot)) all.set(e.pid, e);
  }
  return [...all.values()];
}

function sumTicks(entries: Array<{ cpuTicks: number }>): number {
  return entries.reduce((sum, e) => sum + e.cpuTicks, 0);
}

export interface SampleRequest {
  pid: number;
  uptimeMs: number | undefined;
  /** Its processes outside its tree (SupervisorHandle.escapedProcesses). */
  escaped?: readonly number[];
}

/**
 * Samples every requested tree: two /proc snapshots `sampleMs` apart (0: one snapshot, CPU%
 * averaged since start). Returns stats by root pid; empty when /proc is not there (not Linux).
 */
export async function sampleTrees(requests: readonly SampleRequest[], sampleMs: number): Promise<Map<number, TreeStats>> {
  const result = new Map<number, TreeStats>();
  if (requests.length === 0 || process.platform !== 'linux') return result;
  const pageBytes = await pageSize();
  const before = sampleMs > 0 ? await readProcTable() : undefined;
  if (before) await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = await readProcTable();
  for (const r of requests) result.set(r.pid, treeStats(r.pid, after, pageBytes, before, r.uptimeMs, r.escaped));
  return result;
}
