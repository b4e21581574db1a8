// Which process groups still have live members, read from /proc.
//
// `kill(-pgid, 0)` is not enough: a killed grandchild re-parented to PID 1 stays a zombie in its
// group until PID 1 reaps it (about 1.5 s on some machines), and a zombie is not alive. So we scan
// /proc/<pid>/stat and count every member whose state is not Z (zombie) or X (dead).
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/**
 * One scratch buffer for every /proc read. Node's readFileSync cannot size a /proc file (it says
 * 0 bytes), so it allocates 64 KiB per read: a scan of a few hundred processes left megabytes of
 * garbage (and the RSS they grew) for a few hundred bytes of text each.
 */
let scratch = Buffer.allocUnsafeSlow(4096);

/**
 * The contents of a /proc file, as a view of a shared buffer valid until the next call (copy
 * what you keep). Throws as reading a file does (ENOENT, ESRCH, EACCES...).
 */
export function readProcFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafeSlow(scratch.length * 2);
        scratch.copy(bigger, 0, 0, length);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n === 0) return scratch.subarray(0, length);
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A small /proc file (stat, cmdline) as latin1 text. */
export function readProcText(path: string): string {
  return readProcFile(path).toString('latin1');
}

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
}

/** Parses /proc/<pid>/stat. The command name is in parentheses and may hold spaces or `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const pid = Number.parseInt(text, 10);
  // After ") ": state ppid pgrp session ...
  const fields = text.slice(close + 2).split(' ', 4);
  const [state, ppid, pgid] = [fields[0], Number(fields[1]), Number(fields[2])];
  if (!state || !Number.isInteger(pid) || !Number.isInteger(pgid)) return undefined;
  return { pid, state, ppid, pgid };
}

/** Every process on the machine, as /proc shows it now. Processes that vanish mid-scan are skipped. */
export function readProcTable(procRoot = '/proc'): ProcStat[] {
  const table: ProcStat[] = [];
  for (const entry of readdirSync(procRoot)) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    const stat = readStat(procRoot, entry);
    if (stat) table.push(stat);
  }
  return table;
}

export function isLiveState(state: string): boolean {
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/** kill(-pgid, 0): does the group have any member at all (zombies count)? */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // a member we may not signal: look in /proc
    throw err;
  }
}

function readStat(procRoot: string, pid: string): ProcStat | undefined {
  try {
    return parseProcStat(readProcText(`${procRoot}/${pid}/stat`));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined; // exited while we looked
    throw err;
  }
}

/** Of `pgids`, those that still have a live (non-zombie) member. One /proc scan for all of them. */
export function liveGroups(pgids: Iterable<number>, table: ProcStat[] = readProcTable()): Set<number> {
  const wanted = new Set(pgids);
  const live = new Set<number>();
  if (wanted.size === 0) return live;
  for (const p of table) {
    if (wanted.has(p.pgid) && isLiveState(p.state)) live.add(p.pgid);
  }
  return live;
}

/** Live pids of one group (tests and diagnostics). */
export function groupMembers(pgid: number, table: ProcStat[] = readProcTable()): number[] {
  return table.filter((p) => p.pgid === pgid && isLiveState(p.state)).map((p) => p.pid);
}

/** Is this pid alive (present and not a zombie)? */
export function isPidAlive(pid: number, procRoot = '/proc'): boolean {
  try {
    const stat = parseProcStat(readProcText(`${procRoot}/${pid}/stat`));
    return stat !== undefined && isLiveState(stat.state);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return false;
    throw err;
  }
}
