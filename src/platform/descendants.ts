// Every process an instance started, wherever it went: the environment cookie.
//
// A process group is not enough: a daemon calls setsid() (or setpgid()) and leaves it, and a
// double fork whose middle process exits leaves it re-parented to PID 1, out of any tree rooted
// at the instance. What every descendant keeps is its environment: each run of an instance is
// spawned with DOZEN_INSTANCE=<token>.<n> (the token random per dozen, n per spawn), which every
// child inherits, as Jenkins' ProcessTreeKiller does. Own-user processes' /proc/PID/environ is
// readable without privilege. A process that clears its environment (`env -i`) before leaving
// its group escapes this; one that stays in the group is still found by its session.
//
// Cost: each pid is classified once (one read of its stat and its environ); afterwards a scan
// reads /proc's listing and the stat of the processes it tracks, nothing of the others. A pid
// that leaves the listing is forgotten, so a recycled pid is classified again (a pid recycled
// between two scans would not be: pid numbers are handed out in order, so that takes a full lap).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { isLiveState, readProcFile, readProcText } from './proc.js';

/** The variable every process of an instance inherits. */
export const COOKIE_VARIABLE = 'DOZEN_INSTANCE';

/** A new random token for one dozen: its cookies are `<token>.<n>`. */
export function newCookieToken(): string {
  return randomBytes(8).toString('hex');
}

export interface TrackedProcess {
  pid: number;
  /** Its DOZEN_INSTANCE, when it is one of ours by cookie (undefined: found by its session only). */
  cookie: string | undefined;
  /** For one found by its session: that session (it may have left it since). */
  homeSession: number | undefined;
  pgid: number;
  sid: number;
  /** One letter from /proc/PID/stat. */
  state: string;
}

interface Stat {
  pgid: number;
  sid: number;
  state: string;
}

type Known = { kind: 'cookie'; cookie: string } | { kind: 'session'; sid: number } | { kind: 'foreign' };

/** Reads `pgrp` and `session` (fields 5 and 6) and the state from /proc/PID/stat's text. */
export function parseStatIds(text: string): Stat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const [state, , pgid, sid] = text.slice(close + 2).split(' ', 4);
  const ids = { pgid: Number(pgid), sid: Number(sid) };
  if (!state || !Number.isInteger(ids.pgid) || !Number.isInteger(ids.sid)) return undefined;
  return { state, ...ids };
}

/** The value of `<name>=<prefix>...` in a NUL-separated environment block, if any. */
export function findCookie(environ: Buffer, prefix: Buffer): string | undefined {
  let at = environ.indexOf(prefix);
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(prefix, at + 1);
  if (at === -1) return undefined;
  const start = at + COOKIE_VARIABLE.length + 1;
  const end = environ.indexOf(0, start);
  return environ.toString('latin1', start, end === -1 ? environ.length : end);
}

export class DescendantScanner {
  private readonly known = new Map<number, Known>();
  private readonly prefix: Buffer;

  constructor(
    readonly token: string,
    private readonly procRoot = '/proc',
  ) {
    this.prefix = Buffer.from(`${COOKIE_VARIABLE}=${token}.`, 'latin1');
  }

  /**
   * Every live process that carries one of this dozen's cookies, or that belongs to one of
   * `sessions` (dozen's groups are sessions of their own: a member that cleared its environment
   * but stayed is still found). Zombies are left out.
   */
  scan(sessions: ReadonlySet<number>): TrackedProcess[] {
    const found: TrackedProcess[] = [];
    const listed = new Set<number>();
    for (const entry of readdirSync(this.procRoot)) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue; // not a pid
      const pid = Number(entry);
      listed.add(pid);
      let known = this.known.get(pid);
      if (known?.kind === 'foreign') continue;
      const stat = this.readStat(entry);
      if (!stat) continue; // exited while we looked
      if (known === undefined) {
        known = this.classify(entry, stat, sessions);
        if (known === undefined) continue;
        this.known.set(pid, known);
        if (known.kind === 'foreign') continue;
      }
      if (!isLiveState(stat.state)) continue;
      const cookie = known.kind === 'cookie' ? known.cookie : undefined;
      found.push({ pid, cookie, homeSession: known.kind === 'session' ? known.sid : undefined, ...stat });
    }
    for (const pid of this.known.keys()) if (!listed.has(pid)) this.known.delete(pid);
    return found;
  }

  private classify(entry: string, stat: Stat, sessions: ReadonlySet<number>): Known | undefined {
    let environ: Buffer;
    try {
      environ = readProcFile(`${this.procRoot}/${entry}/environ`); // a view: only the cookie is kept
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined; // exited while we looked
      // Another user's process (EACCES), a kernel thread or a zombie (ESRCH: no memory to read):
      // not ours, unless it sits in one of our sessions.
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'ESRCH') throw err;
      environ = Buffer.alloc(0);
    }
    const cookie = findCookie(environ, this.prefix);
    if (cookie !== undefined) return { kind: 'cookie', cookie };
    // A session id is a pid kept while in use: a process outside our sessions can never join one.
    return sessions.has(stat.sid) ? { kind: 'session', sid: stat.sid } : { kind: 'foreign' };
  }

  private readStat(entry: string): Stat | undefined {
    try {
      return parseStatIds(readProcText(`${this.procRoot}/${entry}/stat`));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ESRCH') return undefined;
      throw err;
    }
  }
}

/** `sleep 1000`: a process's command line, for a log line (empty for a zombie or kernel thread). */
export function commandLine(pid: number, procRoot = '/proc', maxChars = 80): string {
  try {
    const text = readProcText(`${procRoot}/${pid}/cmdline`).replace(/\0+$/, '').replace(/\0/g, ' ');
    return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES') return '';
    throw err;
  }
}
