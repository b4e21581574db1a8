// Makes sure a process group ends after its leader has exited: background jobs of `sh -c`
// (`sleep 1000 & wait`), daemons that ignored SIGTERM. One /proc scan serves every group it
// watches; the first scan runs a few ms after the first adoption so simultaneous exits share it.
import type { Clock } from '../platform/clock.js';

export interface GroupOps {
  /** Signal every process of the group; ESRCH is not an error. */
  signal(pgid: number, signal: NodeJS.Signals): void;
  /** Of these groups, those with a live (non-zombie) member. */
  liveGroups(pgids: Iterable<number>): Set<number>;
  // Tracking beyond the group (platform/process-tracker.ts); fakes may leave these out.
  /** The cookie a new run carries in its environment (as `DOZEN_INSTANCE`). */
  newCookie?(): string;
  /** A new run: its group counts as live while a process with its cookie is, and is signalled with them. */
  track?(pgid: number, cookie: string): void;
  untrack?(pgid: number): void;
  /** Live processes of the run led by `pgid` outside its group (daemons). */
  escaped?(pgid: number): number[];
  /** What every cookie begins with: the watchdog kills its carriers too. */
  readonly token?: string;
  /** The leaf cgroup a new run (by its cookie) enters before anything else, if cgroups are used. */
  cgroupFor?(cookie: string): string | undefined;
  /** dozen's cgroup folder: the watchdog kills everything in it and removes it. */
  readonly cgroupRoot?: string | undefined;
  dispose?(): void;
}

interface Watched {
  /** Signal to send on the first scan if the group is still alive. */
  signal: NodeJS.Signals | undefined;
  killAt: number;
  killedAt: number | undefined;
}

const FIRST_SCAN_MS = 5;
const MAX_SCAN_INTERVAL_MS = 100;
/** A group SIGKILLed this long ago and still "alive" is stuck (uninterruptible sleep): let it go. */
const GIVE_UP_AFTER_KILL_MS = 5_000;

export class GroupReaper {
  private readonly groups = new Map<number, Watched>();
  private timer: unknown = undefined;
  private interval = FIRST_SCAN_MS;

  constructor(
    private readonly ops: GroupOps,
    private readonly clock: Clock,
    /** Called once per group when it is empty (or abandoned, with `stuck`). */
    private readonly onGone: (pgid: number, stuck: boolean) => void,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  has(pgid: number): boolean {
    return this.groups.has(pgid);
  }

  adopt(pgid: number, signal: NodeJS.Signals | undefined, killAfterMs: number): void {
    const killAt = this.clock.now() + killAfterMs;
    const known = this.groups.get(pgid);
    if (known) {
      known.killAt = Math.min(known.killAt, killAt);
    } else {
      this.groups.set(pgid, { signal, killAt, killedAt: undefined });
    }
    this.interval = FIRST_SCAN_MS;
    this.schedule(true);
  }

  /** SIGKILL every watched group now (second Ctrl-C). */
  killAll(): void {
    const now = this.clock.now();
    for (const w of this.groups.values()) w.killAt = Math.min(w.killAt, now);
    this.interval = FIRST_SCAN_MS;
    this.schedule(true);
  }

  /** Stop watching (the supervisor is done). */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.groups.clear();
  }

  private schedule(soon: boolean): void {
    if (this.timer !== undefined) {
      if (!soon) return;
      this.clock.clearTimeout(this.timer);
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.scan();
    }, this.interval);
  }

  private scan(): void {
    const live = this.ops.liveGroups(this.groups.keys());
    const now = this.clock.now();
    for (const [pgid, w] of [...this.groups]) {
      if (!live.has(pgid)) {
        this.groups.delete(pgid);
        this.onGone(pgid, false);
        continue;
      }
      if (w.signal !== undefined) {
        this.ops.signal(pgid, w.signal);
        w.signal = undefined;
      }
      if (w.killedAt === undefined && now >= w.killAt) {
        this.ops.signal(pgid, 'SIGKILL');
        w.killedAt = now;
      } else if (w.killedAt !== undefined && now - w.killedAt >= GIVE_UP_AFTER_KILL_MS) {
        this.groups.delete(pgid);
        this.onGone(pgid, true);
      }
    }
    if (this.groups.size === 0) return;
    // Poll quickly at first (most groups empty within ms), then back off; never sleep past a kill.
    this.interval = Math.min(this.interval * 2, MAX_SCAN_INTERVAL_MS);
    let next = this.interval;
    for (const w of this.groups.values()) {
      if (w.killedAt === undefined) next = Math.min(next, Math.max(1, w.killAt - now));
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.scan();
    }, next);
  }
}
