// A snapshot of every process on the machine, read from /proc (Linux). Used by `dozen ps` to sum
// CPU and memory over each instance's whole process tree.
import { readdir, readFile } from 'node:fs/promises';
import { isLiveState } from '../platform/proc.js';

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  /** One letter from /proc/PID/stat: R, S, D, Z (zombie), T, ... */
  state: string;
  /**
   * CPU time in clock ticks: the process's own user+system time plus that of its reaped
   * children, so a tree's total does not drop when a child exits and is reaped inside the tree.
   */
  cpuTicks: number;
  /** Resident pages (field 24 of stat). */
  rssPages: number;
}

/**
 * Parses one /proc/PID/stat line. The command name (field 2) is in parentheses and may itself
 * hold spaces and parentheses, so fields are counted from the LAST `)`. Undefined if malformed.
 */
export function parseProcStat(text: string): ProcEntry | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After ")": field 3 (state) is rest[0], so field N is rest[N - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  const entry: ProcEntry = {
    pid,
    ppid: field(4),
    pgrp: field(5),
    state: rest[0] ?? '?',
    cpuTicks: field(14) + field(15) + field(16) + field(17),
    rssPages: field(24),
  };
  const numbers = [entry.pid, entry.ppid, entry.pgrp, entry.cpuTicks, entry.rssPages];
  return numbers.every(Number.isFinite) ? entry : undefined;
}

export interface ProcSnapshot {
  /** performance.now() when the snapshot was taken. */
  at: number;
  byPid: Map<number, ProcEntry>;
}

/** Reads /proc/[0-9]*\/stat. Processes that vanish while we read are skipped. */
export async function readProcTable(procRoot = '/proc'): Promise<ProcSnapshot> {
  const at = performance.now();
  const names = await readdir(procRoot);
  const entries = await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        try {
          return parseProcStat(await readFile(`${procRoot}/${n}/stat`, 'utf8'));
        } catch (err) {
          if (isGone(err)) return undefined; // exited between readdir and read
          throw err;
        }
      }),
  );
  const byPid = new Map<number, ProcEntry>();
  for (const e of entries) if (e) byPid.set(e.pid, e);
  return { at, byPid };
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * The live processes of an instance: everything in the process group it leads (dozen spawns each
 * instance as its own group) plus every descendant of its pid (a child that moved to its own
 * group). Zombies are included (their CPU time counts until they are reaped); see isLiveState.
 */
export function processTree(rootPid: number, snapshot: ProcSnapshot): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const e of snapshot.byPid.values()) {
    const list = children.get(e.ppid);
    if (list) list.push(e);
    else children.set(e.ppid, [e]);
  }
  const members = new Map<number, ProcEntry>();
  for (const e of snapshot.byPid.values()) if (e.pgrp === rootPid) members.set(e.pid, e);
  const root = snapshot.byPid.get(rootPid);
  const visited = new Set<number>();
  const stack = root ? [root] : [];
  while (stack.length > 0) {
    const e = stack.pop() as ProcEntry;
    if (visited.has(e.pid)) continue;
    visited.add(e.pid);
    members.set(e.pid, e);
    stack.push(...(children.get(e.pid) ?? []));
  }
  return [...members.values()];
}

let cachedPageSize: number | undefined;

/** The kernel's page size, from AT_PAGESZ in /proc/self/auxv (64-bit: 8-byte key, 8-byte value). */
export async function pageSize(procRoot = '/proc'): Promise<number> {
  if (cachedPageSize !== undefined) return cachedPageSize;
  let size = 4096;
  try {
    const auxv = await readFile(`${procRoot}/self/auxv`);
    for (let off = 0; off + 16 <= auxv.length; off += 16) {
      if (auxv.readBigUInt64LE(off) === 6n) size = Number(auxv.readBigUInt64LE(off + 8));
    }
  } catch (err) {
    if (!isGone(err)) throw err;
  }
  // Little-endian 64-bit layout assumed; anything implausible falls back to the common 4 KiB.
  cachedPageSize = size >= 1024 && (size & (size - 1)) === 0 ? size : 4096;
  return cachedPageSize;
}

/** Not a zombie or dead: still running code and holding memory. */
export function isLive(entry: ProcEntry): boolean {
  return isLiveState(entry.state);
}
