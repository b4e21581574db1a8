// A fake Spawner and fake process groups for driver tests: the test decides when a child
// prints, exits, or how it reacts to signals; "delivery" of an exit is a 0 ms timer on the
// manual clock, as a real exit arrives after the signal call returns.
import type { ExitOutcome, StreamName } from '../../src/supervisor/events.js';
import type { GroupOps } from '../../src/supervisor/group-reaper.js';
import type { SpawnRequest, Spawner } from '../../src/platform/spawner.js';
import type { ManualClock } from './manual-clock.js';

/** How a fake child reacts to a signal: die of it, ignore it, or exit 0 after `ms`. */
export type Reaction = { type: 'die' } | { type: 'ignore' } | { type: 'exit-after'; ms: number };

export class FakeChild {
  paused = false;
  exited = false;
  /** Group members other than the leader still alive after it exits (background jobs). */
  lingering = false;
  reactions: Partial<Record<NodeJS.Signals, Reaction>> = {};

  constructor(
    readonly pid: number,
    readonly req: SpawnRequest,
    private readonly world: FakeWorld,
  ) {}

  get name(): string {
    return this.req.spec.name;
  }

  print(text: string, stream: StreamName = 'stdout'): void {
    this.req.onOutput(stream, Buffer.from(text), false);
  }

  /** The leader exits now. */
  exit(outcome: ExitOutcome): void {
    if (this.exited) return;
    this.exited = true;
    if (!this.lingering) this.world.alive.delete(this.pid);
    this.req.onExit(outcome);
    if (this.holdsOutput) return;
    this.req.onOutputClosed();
  }

  /** A process outside the group keeps the pipes open (until closeOutput()). */
  holdsOutput = false;

  closeOutput(): void {
    this.req.onOutputClosed();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  released = false;

  release(): void {
    this.released = true;
  }
}

export class FakeWorld {
  readonly children: FakeChild[] = [];
  readonly alive = new Set<number>();
  readonly signals: Array<{ at: number; pgid: number; signal: NodeJS.Signals; name: string }> = [];
  /** Applied to every new child; tests adjust per child after spawn. */
  defaultReactions: Partial<Record<NodeJS.Signals, Reaction>> = {};
  private nextPid = 100;

  constructor(private readonly clock: ManualClock) {}

  readonly spawner: Spawner = (req) => {
    const child = new FakeChild(this.nextPid++, req, this);
    child.reactions = { ...this.defaultReactions };
    this.children.push(child);
    this.alive.add(child.pid);
    return child;
  };

  readonly groups: GroupOps = {
    signal: (pgid, signal) => {
      const child = this.children.find((c) => c.pid === pgid);
      this.signals.push({ at: this.clock.now(), pgid, signal, name: child?.name ?? '?' });
      if (!child) return;
      if (signal === 'SIGKILL') {
        child.lingering = false;
        this.alive.delete(pgid);
        this.clock.setTimeout(() => child.exit({ reason: 'signal', signal: 'SIGKILL' }), 0);
        return;
      }
      const reaction = child.reactions[signal] ?? { type: 'die' };
      if (reaction.type === 'die') this.clock.setTimeout(() => child.exit({ reason: 'signal', signal }), 0);
      if (reaction.type === 'exit-after') this.clock.setTimeout(() => child.exit({ reason: 'exit-code', code: 0 }), reaction.ms);
    },
    liveGroups: (pgids) => new Set([...pgids].filter((p) => this.alive.has(p))),
  };

  /** Children of one instance, in spawn order. */
  of(name: string): FakeChild[] {
    return this.children.filter((c) => c.name === name);
  }

  last(name: string): FakeChild {
    const all = this.of(name);
    const child = all[all.length - 1];
    if (!child) throw new Error(`no child spawned for ${name}`);
    return child;
  }
}
