// The processes of each run of an instance, wherever they moved: its process group (dozen's
// `kill(-pgid)`) plus every process carrying its cookie (platform/descendants.ts) that left the
// group: a daemon's setsid() or setpgid(), its children. Signalling a group signals those too,
// and a group counts as live while any of them is, so a stop, a restart or the reaper waits for
// them and SIGKILLs them after the timeout, as systemd's KillMode=control-group would.
//
// Scans are shared: the first question in a turn of the event loop scans /proc, the others of
// that turn (a stop wave signals every group in one loop) reuse its answer.
import { commandLine, COOKIE_VARIABLE, DescendantScanner, newCookieToken, type TrackedProcess } from './descendants.js';
import { groupExists } from './proc.js';
import { signalGroup } from './signals.js';

/** A process seen outside the group of the run it belongs to. */
export interface Escapee {
  pid: number;
  /** The group (the run's leader pid) it left. */
  pgid: number;
  /** `setsid`: it is in a session of its own; `setpgid`: another group of the same session. */
  how: 'setsid' | 'setpgid';
  /** Its command line (`sleep 1000`), possibly empty. */
  command: string;
}

export interface ProcessTrackerOptions {
  scanner?: DescendantScanner;
  /** Called once per process that left its group, while its run is tracked. */
  onEscape?: (escapee: Escapee) => void;
}

/** First look for daemons this long after a spawn, then less and less often. */
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5_000;

export class ProcessTracker {
  readonly token: string;
  readonly variable = COOKIE_VARIABLE;
  private readonly scanner: DescendantScanner;
  private readonly onEscape: ((escapee: Escapee) => void) | undefined;
  private seq = 0;
  /** pgid -> the cookie of its run. */
  private readonly cookies = new Map<number, string>();
  /** cookie -> pgid. */
  private readonly groups = new Map<string, number>();
  private latest: Map<number, TrackedProcess[]> | undefined;
  /** Escaped pids already reported -> their run's group. */
  private readonly reported = new Map<number, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private pollMs = FIRST_POLL_MS;
  /** Scans done so far (tests and benchmarks). */
  scans = 0;

  constructor(opts: ProcessTrackerOptions = {}) {
    this.scanner = opts.scanner ?? new DescendantScanner(newCookieToken());
    this.token = this.scanner.token;
    this.onEscape = opts.onEscape;
  }

  /** The cookie for the next spawn: put it in its environment as `variable`. */
  newCookie(): string {
    this.seq += 1;
    return `${this.token}.${this.seq}`;
  }

  /** A spawned run: its leader's pid (= its group and session) and its cookie. */
  track(pgid: number, cookie: string): void {
    this.cookies.set(pgid, cookie);
    this.groups.set(cookie, pgid);
    this.latest = undefined;
    this.pollMs = FIRST_POLL_MS;
    this.schedulePoll(true);
  }

  /** The run is over (its group and every process of its cookie gone). */
  untrack(pgid: number): void {
    const cookie = this.cookies.get(pgid);
    this.cookies.delete(pgid);
    if (cookie !== undefined) this.groups.delete(cookie);
    for (const [pid, group] of this.reported) if (group === pgid) this.reported.delete(pid);
    if (this.cookies.size === 0) this.stopPolling();
  }

  /** Signals the group and every process of its run outside it. */
  signal(pgid: number, signal: NodeJS.Signals): void {
    signalGroup(pgid, signal);
    for (const p of this.processesOf(pgid)) {
      if (p.pgid !== pgid) signalPid(p.pid, signal);
    }
  }

  /** Of these groups, those whose run still has a live process, inside the group or not. */
  liveGroups(pgids: Iterable<number>): Set<number> {
    const live = new Set<number>();
    const table = this.table();
    for (const pgid of pgids) {
      if ((table.get(pgid)?.length ?? 0) > 0) live.add(pgid);
      // Not tracked (a group this tracker was never told about): its members, by group id.
      else if (!this.cookies.has(pgid) && groupExists(pgid)) live.add(pgid);
    }
    return live;
  }

  /** Live processes of the run led by `pgid` that are outside its group (for `dozen ps`). */
  escaped(pgid: number): number[] {
    return this.processesOf(pgid).filter((p) => p.pgid !== pgid).map((p) => p.pid);
  }

  /** Stop polling (dozen is done). */
  dispose(): void {
    this.stopPolling();
  }

  private processesOf(pgid: number): TrackedProcess[] {
    return this.table().get(pgid) ?? [];
  }

  /** Tracked processes by the group of their run, from a scan of this turn. */
  private table(): Map<number, TrackedProcess[]> {
    if (this.latest) return this.latest;
    this.scans += 1;
    const byGroup = new Map<number, TrackedProcess[]>();
    for (const p of this.scanner.scan(new Set(this.cookies.keys()))) {
      const pgid = p.cookie !== undefined ? this.groups.get(p.cookie) : p.homeSession;
      if (pgid === undefined || !this.cookies.has(pgid)) continue; // a run already over
      const list = byGroup.get(pgid);
      if (list) list.push(p);
      else byGroup.set(pgid, [p]);
      if (p.pgid !== pgid) this.report(p, pgid);
    }
    this.latest = byGroup;
    // Valid for this turn only: the next one may see other processes.
    setImmediate(() => (this.latest = undefined)).unref();
    return byGroup;
  }

  private report(p: TrackedProcess, pgid: number): void {
    if (this.reported.has(p.pid)) return;
    // Said once per process; forgotten when its run ends (the pid may be reused).
    this.reported.set(p.pid, pgid);
    this.onEscape?.({ pid: p.pid, pgid, how: p.sid === pgid ? 'setpgid' : 'setsid', command: commandLine(p.pid) });
  }

  private schedulePoll(reset: boolean): void {
    if (this.onEscape === undefined) return;
    if (this.pollTimer !== undefined) {
      if (!reset) return;
      clearTimeout(this.pollTimer);
    }
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.cookies.size === 0) return;
      this.table();
      this.pollMs = Math.min(this.pollMs * 2, MAX_POLL_MS);
      this.schedulePoll(false);
    }, this.pollMs);
    // Looking for daemons is no reason to stay alive.
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}

/** kill(pid): ESRCH (gone meanwhile) is expected; EPERM means it exec'd a program that is no longer ours to signal. */
function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EPERM') throw err;
  }
}
