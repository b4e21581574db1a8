// The processes of each run of an instance, wherever they moved: its process group (dozen's
// `kill(-pgid)`) plus every process carrying its cookie (platform/descendants.ts) that left the
// group: a daemon's setsid() or setpgid(), its children. Signalling a group signals those too,
// and a group counts as live while any of them is, so a stop, a restart or the reaper waits for
// them and SIGKILLs them after the timeout, as systemd's KillMode=control-group would.
//
// Where dozen has a cgroup v2 subtree (platform/cgroup-tree.ts), each run also gets a leaf cgroup
// its shell enters before it runs anything: the run's processes are then read from the leaf's
// cgroup.procs (no process can leave it, whatever it does to its environment or its session),
// SIGKILL goes through cgroup.kill, and the /proc scan is only done for runs the kernel refused
// to move, which the cookie tracks as before.
//
// Scans are shared: the first question in a turn of the event loop scans /proc, the others of
// that turn (a stop wave signals every group in one loop) reuse its answer.
import { commandLine, COOKIE_VARIABLE, DescendantScanner, newCookieToken, parseStatIds, type TrackedProcess } from './descendants.js';
import { readFileSync } from 'node:fs';
import type { CgroupTree } from './cgroup-tree.js';
import { groupExists, isLiveState } from './proc.js';
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
  /** dozen's cgroup subtree, where one could be made (CgroupTree.open); else the cookie alone. */
  cgroups?: CgroupTree | undefined;
}

/** First look for daemons this long after a spawn, then less and less often. */
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5_000;

export class ProcessTracker {
  readonly token: string;
  readonly variable = COOKIE_VARIABLE;
  /** dozen's cgroup folder (the watchdog kills and removes it), if cgroups are in use. */
  readonly cgroupRoot: string | undefined;
  private readonly scanner: DescendantScanner;
  private readonly onEscape: ((escapee: Escapee) => void) | undefined;
  private seq = 0;
  /** pgid -> the cookie of its run. */
  private readonly cookies = new Map<number, string>();
  /** cookie -> pgid. */
  private readonly groups = new Map<string, number>();
  private readonly cgroups: CgroupTree | undefined;
  /** False once the kernel refused to move a run: the next ones get no leaf. */
  private leavesWork = true;
  /** cookie -> the leaf cgroup made for its run, until the run is tracked. */
  private readonly pendingLeaves = new Map<string, string>();
  /** pgid -> its run's leaf cgroup, for runs the kernel moved there. */
  private readonly leaves = new Map<number, string>();
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
    this.cgroups = opts.cgroups;
    this.cgroupRoot = this.cgroups?.root;
  }

  /** The cookie for the next spawn: put it in its environment as `variable`. */
  newCookie(): string {
    this.seq += 1;
    const cookie = `${this.token}.${this.seq}`;
    const leaf = this.leavesWork ? this.cgroups?.leaf(this.seq) : undefined;
    if (leaf !== undefined) this.pendingLeaves.set(cookie, leaf);
    return cookie;
  }

  /** The leaf cgroup the run of `cookie` is to enter first thing (its shell writes its pid there). */
  cgroupFor(cookie: string): string | undefined {
    return this.pendingLeaves.get(cookie);
  }

  /** A spawned run: its leader's pid (= its group and session) and its cookie. */
  track(pgid: number, cookie: string): void {
    this.cookies.set(pgid, cookie);
    this.groups.set(cookie, pgid);
    const leaf = this.pendingLeaves.get(cookie);
    this.pendingLeaves.delete(cookie);
    if (leaf !== undefined && this.cgroups !== undefined) {
      // The shell put itself there before anything else (or will: this write makes sure, and
      // tells us whether the kernel lets us); the leader is now in it, and so is all it forks.
      if (this.cgroups.enter(leaf, pgid)) {
        this.leaves.set(pgid, leaf);
      } else {
        // Refused (not ours after all): the cookie tracks this run and the next ones.
        this.cgroups.remove(leaf);
        this.leavesWork = false;
      }
    }
    this.latest = undefined;
    this.pollMs = FIRST_POLL_MS;
    this.schedulePoll(true);
  }

  /** The run is over (its group and every process of its cookie gone). */
  untrack(pgid: number): void {
    const cookie = this.cookies.get(pgid);
    this.cookies.delete(pgid);
    if (cookie !== undefined) this.groups.delete(cookie);
    const leaf = this.leaves.get(pgid);
    this.leaves.delete(pgid);
    if (leaf !== undefined) this.cgroups?.remove(leaf);
    for (const [pid, group] of this.reported) if (group === pgid) this.reported.delete(pid);
    if (this.cookies.size === 0) this.stopPolling();
  }

  /** Signals the group and every process of its run outside it. */
  signal(pgid: number, signal: NodeJS.Signals): void {
    const leaf = this.leaves.get(pgid);
    // One write kills the whole leaf; the group and the pids below are for what it may miss.
    if (signal === 'SIGKILL' && leaf !== undefined) this.cgroups?.kill(leaf);
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
    this.cgroups?.dispose();
  }

  /** How this run's processes are found: `cgroup` (kernel-kept) or `cookie` (its environment). */
  methodOf(pgid: number): 'cgroup' | 'cookie' {
    return this.leaves.has(pgid) ? 'cgroup' : 'cookie';
  }

  private processesOf(pgid: number): TrackedProcess[] {
    return this.table().get(pgid) ?? [];
  }

  /** Tracked processes by the group of their run, from a scan of this turn. */
  private table(): Map<number, TrackedProcess[]> {
    if (this.latest) return this.latest;
    this.scans += 1;
    const byGroup = new Map<number, TrackedProcess[]>();
    const found: Array<[TrackedProcess, number]> = [];
    for (const [pgid, leaf] of this.leaves) {
      for (const pid of this.cgroups?.procs(leaf) ?? []) {
        const stat = readStat(pid);
        if (stat && isLiveState(stat.state)) found.push([{ pid, cookie: undefined, homeSession: undefined, ...stat }, pgid]);
      }
    }
    // The /proc scan, only for runs outside cgroups.
    if (this.leaves.size < this.cookies.size) {
      const sessions = new Set([...this.cookies.keys()].filter((pgid) => !this.leaves.has(pgid)));
      for (const p of this.scanner.scan(sessions)) {
        const pgid = p.cookie !== undefined ? this.groups.get(p.cookie) : p.homeSession;
        if (pgid !== undefined && !this.leaves.has(pgid)) found.push([p, pgid]);
      }
    }
    for (const [p, pgid] of found) {
      if (!this.cookies.has(pgid)) continue; // a run already over
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

/** Group, session and state of `pid`; undefined once it is gone. */
function readStat(pid: number): ReturnType<typeof parseStatIds> {
  try {
    return parseStatIds(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw err;
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
