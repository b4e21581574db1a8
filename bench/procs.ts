// What the benchmark needs from /proc: process trees, command lines, resident memory.
import { readFileSync } from 'node:fs';
import { isLiveState, readProcTable, type ProcStat } from '../src/platform/proc.js';

export { isLiveState, readProcTable, type ProcStat };

/** The command line of a pid, arguments joined by spaces ('' if it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
  } catch (err) {
    if (gone(err)) return '';
    throw err;
  }
}

/** Resident memory of a pid in KiB (VmRSS), 0 if it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch (err) {
    if (gone(err)) return 0;
    throw err;
  }
}

/** The process exited while we looked. */
function gone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** `root` and every live process below it. */
export function liveTree(root: number, table: ProcStat[] = readProcTable()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of table) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcStat[] = [];
  const self = table.find((p) => p.pid === root);
  const queue = self ? [self] : [];
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (isLiveState(p.state)) out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** Live pids whose command line contains `token` (the scenario's processes). */
export function tokenPids(token: string, table: ProcStat[] = readProcTable()): number[] {
  return table.filter((p) => isLiveState(p.state) && p.pid !== process.pid && cmdline(p.pid).includes(token)).map((p) => p.pid);
}

/** SIGKILL these pids, ignoring those already gone. */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
