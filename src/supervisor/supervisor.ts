// The driver: owns one slot per instance, feeds inputs to the pure machine (instance-machine.ts)
// and performs its effects — spawn, signal, timers, port watches, events. Spawner, clock, group
// operations and port probe are injected, so tests run it with fakes and a manual clock.
//
// Formation life: [release phase] -> running -> stopping -> done. run() resolves with dozen's exit code.
import { DozenError } from '../errors.js';
import type { ProcessSpec } from '../formation/types.js';
import { realClock, type Clock } from '../platform/clock.js';
import { describeAnswer, httpHealthProbe, type HealthAnswer, type HealthProbe } from '../platform/health-probe.js';
import { probePort, type PortProbe } from '../platform/port-probe.js';
import { GroupScanner } from '../platform/proc.js';
import { signalGroup } from '../platform/signals.js';
import { startWatchdog, type Watchdog } from '../platform/watchdog.js';
import type { ExitOutcome, SupervisorEvent } from './events.js';
import { afterFinalExit } from './formation-rule.js';
import { groupSpawner } from '../platform/group-spawner.js';
import { GroupReaper, type GroupOps } from './group-reaper.js';
import type { DrainedInstance, Drainer, InstanceStatus, OutputValve, RolloutRequest, RolloutResult, SupervisorHandle } from './handle.js';
import { hasChild, newInstance, transition, type Effect, type Input, type Instance, type TimerName } from './instance-machine.js';
import { messageFor, seconds } from './messages.js';
import { describeOutcome, exitCodeOf, isSuccess } from './outcome.js';
import { portAllocator, withPort, type PortAllocator } from './port-allocator.js';
import { PortWatch } from './port-watch.js';
import type { RestartMode } from './restart-policy.js';
import type { SpawnedChild, Spawner } from '../platform/spawner.js';

export interface SupervisorOptions {
  /** The formation, in order. */
  specs: ProcessSpec[];
  /** Run once to completion before the formation; a failure aborts with its exit code. */
  releasePhase?: ProcessSpec | undefined;
  /** What to do when an instance exits on its own (default `never`: the formation stops). */
  restart?: RestartMode;
  /** Process types that may exit without stopping the others. */
  canDie?: string[];
  /** How long a stop signal gets before SIGKILL (default 5000). */
  timeoutMs?: number;
  stopSignal?: NodeJS.Signals;
  /** When a `web` instance that has not bound its port is reported (default 60000). */
  bootTimeoutMs?: number;
  /** The environment under each spec's env (default process.env). */
  inheritedEnv?: NodeJS.ProcessEnv;
  /** Give children FORCE_COLOR=1 unless set (dozen's stdout is a TTY). */
  forceColor?: boolean;
  spawner?: Spawner;
  clock?: Clock;
  groups?: GroupOps;
  probePort?: PortProbe;
  /** The HTTP check of a spec's health path (default: a GET to 127.0.0.1). */
  probeHealth?: HealthProbe;
  /** Ports for surge replacements (default: free ports from the kernel). */
  ports?: PortAllocator;
  /** The no-orphan guard; default: started with the real spawner, none with an injected one. */
  watchdog?: Watchdog | null;
}

export interface Supervisor extends SupervisorHandle {
  /** Run the release phase and the formation; resolves with dozen's exit code. */
  run(): Promise<number>;
  /** Stop everything at once with SIGKILL (second Ctrl-C). Resolves with the exit code. */
  forceKill(): Promise<number>;
  /** Like SupervisorHandle.shutdown, with the code to exit with (default 0). */
  shutdown(reason: string, exitCode?: number): Promise<number>;
}

export function createSupervisor(opts: SupervisorOptions): Supervisor {
  return new FormationDriver(opts);
}

/**
 * `release-phase`: the Procfile's release entry, run once before the formation. `member`: the
 * formation's instance of its name. `incoming`: a surge replacement until it is ready (never
 * restarted: a failure ends the rollout). `outgoing`: the generation a surge replaced, stopping.
 */
type Role = 'release-phase' | 'member' | 'incoming' | 'outgoing';

interface Slot {
  spec: ProcessSpec;
  /** The spec the next spawn runs (a stop-first rollout's), then `spec`. */
  next: ProcessSpec | undefined;
  generation: number;
  role: Role;
  inst: Instance;
  child: SpawnedChild | undefined;
  /** Bumped at each spawn: a late report from an older run is ignored. */
  run: number;
  timers: Partial<Record<TimerName, unknown>>;
  watch: PortWatch | undefined;
  removed: boolean;
  /** Another program held its port when the formation started: readiness cannot be told. */
  portTaken: boolean;
  /** The current run's last failed health check, for the reason a replacement failed. */
  lastHealth: HealthAnswer | undefined;
  /** The drainers running before its stop signal, shared by the requests that stop it. */
  draining: Promise<void> | undefined;
}

interface Waiter {
  slot: Slot;
  done: (slot: Slot) => boolean;
  resolve: () => void;
}

type FormationPhase = 'idle' | 'release-phase' | 'running' | 'stopping' | 'done';

/**
 * Once every group is gone, how long to wait for pipes still open (held by a process that left
 * its group) before exiting anyway. Not counted while output is paused by backpressure.
 */
const OUTPUT_GRACE_MS = 1_000;

function realGroups(): GroupOps {
  const scanner = new GroupScanner();
  return { signal: (pgid, sig) => void signalGroup(pgid, sig), liveGroups: (pgids) => scanner.liveGroups(pgids) };
}

class FormationDriver implements Supervisor {
  /** The formation: each name's member slot. */
  private readonly slots = new Map<string, Slot>();
  /** Surge slots beside the members: incoming replacements and outgoing generations. */
  private readonly beside = new Set<Slot>();
  private releasePhase: Slot | undefined;
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly ports: PortAllocator;
  /** The rollout running, then the ones queued behind it. */
  private rollouts: Promise<unknown> = Promise.resolve();
  private rolloutsQueued = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly clock: Clock;
  private readonly spawner: Spawner;
  private readonly groups: GroupOps;
  private readonly probe: PortProbe;
  private readonly health: HealthProbe;
  private readonly drainers = new Set<Drainer>();
  private readonly reaper: GroupReaper;
  private readonly canDie: ReadonlySet<string>;
  private readonly restartMode: RestartMode;
  private readonly timeoutMs: number;
  private readonly bootTimeoutMs: number;
  private readonly stopSignal: NodeJS.Signals;
  private readonly typeOrder = new Map<string, number>();
  /** Process group id -> the slot whose run it was, until the group is empty. */
  private readonly groupOwners = new Map<number, Slot>();
  private watchdog: Watchdog | null | undefined;
  private inherited: NodeJS.ProcessEnv | undefined;
  private phase: FormationPhase = 'idle';
  private exitCode = 0;
  private firstFailureCode: number | undefined;
  private paused = false;
  /** Valves now paused: output flows again when the last one resumes. */
  private readonly pausedValves = new Set<object>();
  /** Children whose pipes are still open (even after their exit): paused and resumed together. */
  private readonly outputs = new Set<SpawnedChild>();
  private outputGrace: unknown = undefined;
  private outputGraceOver = false;
  /** Messages said before run(): emitted when it starts, once every attachment listens. */
  private held: SupervisorEvent[] | undefined = [];
  private readonly finished: Promise<number>;
  private resolveFinished!: (code: number) => void;

  constructor(private readonly opts: SupervisorOptions) {
    this.clock = opts.clock ?? realClock;
    this.spawner = opts.spawner ?? groupSpawner();
    this.groups = opts.groups ?? realGroups();
    this.probe = opts.probePort ?? probePort;
    this.health = opts.probeHealth ?? httpHealthProbe;
    this.ports = opts.ports ?? portAllocator();
    this.watchdog = opts.watchdog !== undefined ? opts.watchdog : opts.spawner ? null : undefined;
    this.canDie = new Set(opts.canDie ?? []);
    this.restartMode = opts.restart ?? 'never';
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.bootTimeoutMs = opts.bootTimeoutMs ?? 60_000;
    this.stopSignal = opts.stopSignal ?? 'SIGTERM';
    this.reaper = new GroupReaper(this.groups, this.clock, (pgid, stuck) => this.groupGone(pgid, stuck));
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    for (const spec of opts.specs) this.addSlot(spec);
  }

  // ---- lifecycle --------------------------------------------------------------------------

  run(): Promise<number> {
    this.emitHeld();
    if (this.phase !== 'idle') return this.finished;
    // The watchdog comes first: no child may exist that it does not know about.
    if (this.watchdog === undefined) this.watchdog = startWatchdog();
    const releasePhase = this.opts.releasePhase;
    if (releasePhase) {
      this.phase = 'release-phase';
      this.releasePhase = this.newSlot({ ...releasePhase, name: 'release' }, 'release-phase', 1);
      this.say('info', 'running the release phase');
      this.dispatch(this.releasePhase, { type: 'start' });
    } else {
      this.startFormation();
    }
    return this.finished;
  }

  shutdown(reason: string, exitCode = 0): Promise<number> {
    if (this.phase === 'idle') {
      this.phase = 'stopping';
      this.exitCode = exitCode;
      this.checkDone();
    } else {
      this.stopFormation(reason, exitCode);
    }
    return this.finished;
  }

  forceKill(): Promise<number> {
    if (this.phase === 'done') return this.finished;
    if (this.phase !== 'stopping') this.stopFormation('forced stop', 137);
    this.say('warn', 'sending SIGKILL to all processes');
    for (const slot of this.allSlots()) this.dispatch(slot, { type: 'kill' });
    this.reaper.killAll();
    return this.finished;
  }

  private startFormation(): void {
    this.phase = 'running';
    if (this.slots.size === 0) {
      this.say('warn', 'no processes to run');
      this.shutdown('nothing to run', 0);
      return;
    }
    // A port another program already listens on would make readiness lie ("listening" at once):
    // probe every port first (in parallel, a few ms), warn, and do not watch those.
    const slots = [...this.slots.values()];
    const probes = slots.map((slot) => (slot.spec.port === undefined ? false : this.probe(slot.spec.port)));
    void Promise.all(probes).then((taken) => {
      if (this.phase !== 'running') return;
      slots.forEach((slot, i) => {
        if (!taken[i] || slot.removed) return;
        slot.portTaken = true;
        this.say('warn', `port ${slot.spec.port} is already in use by another program: ${slot.spec.name} will not be able to listen on it`, slot.spec.name);
      });
      for (const slot of slots) if (!slot.removed) this.dispatch(slot, { type: 'start' });
    });
  }

  private stopFormation(reason: string, exitCode: number): void {
    if (this.phase === 'stopping' || this.phase === 'done') return;
    this.phase = 'stopping';
    this.exitCode = exitCode;
    const anyRunning = this.allSlots().some((slot) => hasChild(slot.inst.phase));
    this.emit({ type: 'formation-stopping', at: this.clock.now(), reason, signal: this.stopSignal });
    // "worker.1 exited with code 3: sending SIGTERM to all processes" says which process and why.
    this.say(exitCode === 0 ? 'info' : 'warn', anyRunning ? `${reason}: sending ${this.stopSignal} to all processes` : reason);
    // Every group gets the signal in this one loop: they stop together, not one after another.
    for (const slot of this.allSlots()) this.dispatch(slot, { type: 'stop', then: 'stay-stopped' });
    this.checkDone();
  }

  /** Done when no leader is alive and no group has members left. */
  private checkDone(): void {
    if (this.phase !== 'stopping') return;
    for (const slot of this.allSlots()) {
      if (hasChild(slot.inst.phase)) return;
      // A spawn whose failure has not been reported yet.
      if (slot.child !== undefined && slot.child.pid === undefined) return;
    }
    if (this.reaper.size > 0) return;
    // Every line read before exiting: wait for the pipes, within a grace (see OUTPUT_GRACE_MS).
    if (this.outputs.size > 0 && !this.outputGraceOver) {
      if (this.outputGrace === undefined && !this.paused) {
        this.outputGrace = this.clock.setTimeout(() => {
          this.outputGraceOver = true;
          this.checkDone();
        }, OUTPUT_GRACE_MS);
      }
      return;
    }
    if (this.outputGrace !== undefined) this.clock.clearTimeout(this.outputGrace);
    this.phase = 'done';
    for (const slot of this.allSlots()) this.clearSlot(slot);
    this.reaper.dispose();
    this.watchdog?.close();
    this.emitHeld(); // stopped before run(): what was said is still shown
    this.emit({ type: 'formation-exited', at: this.clock.now(), exitCode: this.exitCode });
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
    this.resolveFinished(this.exitCode);
  }

  // ---- the machine's effects ----------------------------------------------------------------

  private dispatch(slot: Slot, input: Input): void {
    const t = transition(slot.inst, input, {
      now: this.clock.now(),
      spec: slot.spec,
      restart: slot.role === 'member' ? this.restartMode : 'never',
      timeoutMs: this.timeoutMs,
      bootTimeoutMs: this.bootTimeoutMs,
      stopSignal: this.stopSignal,
    });
    slot.inst = t.instance;
    for (const effect of t.effects) this.perform(slot, effect);
    for (const w of this.waiters) {
      if (w.slot === slot && (w.done(slot) || slot.removed)) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
    this.checkDone();
  }

  private perform(slot: Slot, effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        return this.spawn(slot);
      case 'signal':
        return this.groups.signal(effect.pid, effect.signal);
      case 'set-timer': {
        const timer = effect.timer;
        this.clearTimer(slot, timer);
        slot.timers[timer] = this.clock.setTimeout(() => {
          slot.timers[timer] = undefined;
          this.dispatch(slot, { type: 'timer', timer });
        }, effect.ms);
        return;
      }
      case 'clear-timer':
        return this.clearTimer(slot, effect.timer);
      case 'watch-port': {
        const port = slot.portTaken ? undefined : slot.spec.port;
        slot.watch?.stop();
        slot.watch =
          port === undefined ? undefined : new PortWatch(port, this.probe, this.clock, watchDelayMs(slot), () => this.dispatch(slot, { type: 'port-open' }));
        return;
      }
      case 'watch-health': {
        const { port, healthPath } = slot.spec;
        slot.watch?.stop();
        slot.watch = undefined;
        if (port === undefined || healthPath === undefined) return;
        // The port watch's pace and backoff, with an HTTP GET as the probe.
        let passed = 0;
        const check = async (p: number) => {
          const answer = await this.health(p, healthPath);
          if (answer.ok) passed = answer.status;
          else slot.lastHealth = answer;
          return answer.ok;
        };
        slot.watch = new PortWatch(port, check, this.clock, watchDelayMs(slot), () => this.dispatch(slot, { type: 'health-ok', status: passed }));
        return;
      }
      case 'unwatch-port':
        slot.watch?.stop();
        slot.watch = undefined;
        return;
      case 'emit':
        return this.emit(effect.event);
      case 'reap':
        return this.reaper.adopt(effect.pid, effect.signal, effect.killAfterMs);
      case 'final':
        return this.onFinal(slot, effect.outcome, effect.gaveUp);
      case 'removed':
        this.clearSlot(slot);
        slot.removed = true;
        if (this.slots.get(slot.spec.name) === slot) this.slots.delete(slot.spec.name);
        this.beside.delete(slot);
        return;
    }
  }

  private spawn(slot: Slot): void {
    const run = ++slot.run;
    if (slot.next !== undefined) {
      slot.spec = slot.next;
      slot.next = undefined;
      slot.generation += 1;
    }
    const { spec } = slot;
    slot.lastHealth = undefined;
    const child = this.spawner({
      spec,
      env: this.childEnv(spec),
      onOutput: (stream, data, partial) => {
        // The hot path: one event per read, straight to the listeners (output carries no message).
        this.deliver({ type: 'output', at: this.clock.now(), instance: spec.name, stream, data, partial });
      },
      onExit: (outcome) => {
        if (run !== slot.run) return;
        const failedSpawn = child.pid === undefined;
        slot.child = undefined;
        this.dispatch(slot, failedSpawn ? { type: 'spawn-failed', outcome } : { type: 'exit', outcome });
      },
      onOutputClosed: () => {
        this.outputs.delete(child);
        this.checkDone();
      },
    });
    if (run !== slot.run) return; // the spawner reported a synchronous exit already
    slot.child = child;
    if (this.paused) child.pause();
    if (child.pid !== undefined) {
      this.outputs.add(child);
      this.watchdog?.register(child.pid);
      this.groupOwners.set(child.pid, slot);
      this.dispatch(slot, { type: 'spawned', pid: child.pid });
    }
  }

  private childEnv(spec: ProcessSpec): NodeJS.ProcessEnv {
    // process.env is an exotic object, slow to enumerate (~0.2 ms): copied once, not per spawn.
    this.inherited ??= { ...(this.opts.inheritedEnv ?? process.env) };
    const env: NodeJS.ProcessEnv = { ...this.inherited, ...spec.env };
    if (this.opts.forceColor && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1';
    // Python block-buffers stdout on a pipe: lines would arrive late and in bursts.
    if (env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
    return env;
  }

  private onFinal(slot: Slot, outcome: ExitOutcome, gaveUp: boolean): void {
    // A surge slot's end is its rollout's business (a failed replacement), not the formation's.
    if (slot.role === 'incoming' || slot.role === 'outgoing') return;
    if (slot.role === 'release-phase') {
      if (this.phase !== 'release-phase') return; // stopped by a signal meanwhile
      if (isSuccess(outcome)) {
        this.say('info', 'release finished');
        this.startFormation();
      } else {
        const reason = `release ${describeOutcome(outcome)}; not starting the processes`;
        this.stopFormation(reason, exitCodeOf(outcome));
      }
      return;
    }
    if (this.phase !== 'running') return;
    const code = exitCodeOf(outcome);
    if (code !== 0 && this.canDie.has(slot.spec.type)) this.firstFailureCode ??= code;
    const active = [...this.slots.values()].filter((s) => isActive(s.inst)).length;
    const decision = afterFinalExit({ instance: slot.spec.name, type: slot.spec.type, outcome, gaveUp }, this.canDie, active, this.firstFailureCode);
    switch (decision.action) {
      case 'continue':
        return;
      case 'stop':
        this.stopFormation(decision.reason, decision.exitCode);
        return;
      case 'finish':
        // shutdown() says the reason, once ("web.1 exited; no process left running").
        this.shutdown(decision.reason, decision.exitCode);
        return;
    }
  }

  private groupGone(pgid: number, stuck: boolean): void {
    this.watchdog?.unregister(pgid);
    if (stuck) this.say('error', `process group ${pgid} survived SIGKILL (uninterruptible?); no longer waiting for it`);
    const slot = this.groupOwners.get(pgid);
    this.groupOwners.delete(pgid);
    if (slot) this.dispatch(slot, { type: 'group-empty', pid: pgid });
    this.checkDone();
  }

  // ---- events -----------------------------------------------------------------------------

  private emit(event: SupervisorEvent): void {
    this.deliver(event);
    const message = messageFor(event, { timeoutMs: this.timeoutMs, formationStopping: this.phase === 'stopping' || this.phase === 'done' });
    if (message) this.say(message.level, message.text, 'instance' in event ? event.instance : undefined);
  }

  say(level: 'info' | 'warn' | 'error', text: string, instance?: string): void {
    const event: SupervisorEvent = { type: 'message', at: this.clock.now(), level, text, ...(instance === undefined ? {} : { instance }) };
    if (this.held) this.held.push(event);
    else this.deliver(event);
  }

  private emitHeld(): void {
    const held = this.held;
    this.held = undefined;
    for (const event of held ?? []) this.deliver(event);
  }

  /** To every listener; one that throws is dropped and reported, and cannot stop the others. */
  private deliver(event: SupervisorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.listeners.delete(listener);
        this.say('error', `an event listener failed and gets no more events: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  // ---- SupervisorHandle -------------------------------------------------------------------

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): InstanceStatus[] {
    return this.ordered(true).map((slot) => statusOf(slot));
  }

  specs(): ProcessSpec[] {
    return this.ordered(false).map((slot) => slot.spec);
  }

  restart(names: string[]): Promise<RolloutResult> {
    return this.rollout({ names, mode: 'stop-first' });
  }

  async rollout(request: RolloutRequest): Promise<RolloutResult> {
    this.lookup(request.names); // an unknown name fails now, not when its turn comes
    // Idle: begin now (the first stop is sent before this returns), else queue behind the others.
    const run = () => this.roll(request).finally(() => this.rolloutsQueued--);
    const result = this.rolloutsQueued === 0 ? run() : this.rollouts.then(run);
    this.rolloutsQueued++;
    this.rollouts = result.catch(() => undefined);
    return result;
  }

  async stop(names: string[]): Promise<void> {
    const slots = this.withIncoming(this.lookup(names));
    if (!this.controllable()) return;
    await Promise.all(slots.map((slot) => this.drainThenStop(slot, 'stay-stopped', (s) => !isActive(s.inst))));
  }

  async add(specs: ProcessSpec[]): Promise<void> {
    for (const spec of specs) {
      if (this.slots.has(spec.name)) throw new DozenError('usage', `${spec.name} is already in the formation`);
    }
    const added = specs.map((spec) => this.addSlot(spec));
    if (this.phase !== 'running') return; // they start with the formation
    await Promise.all(added.map((slot) => this.until(slot, { type: 'start' }, (s) => s.inst.phase.state !== 'pending')));
  }

  async remove(names: string[]): Promise<void> {
    const slots = this.lookup(names);
    if (this.phase === 'idle' || this.phase === 'release-phase') {
      for (const slot of slots) this.slots.delete(slot.spec.name);
      return;
    }
    if (!this.controllable()) return;
    await Promise.all(this.withIncoming(slots).map((slot) => this.drainThenStop(slot, 'remove', (s) => s.removed)));
  }

  addDrainer(drain: Drainer): () => void {
    // Wrapped: the same function added twice is two drainers, each removed by its own unsubscribe.
    const entry: Drainer = (instance) => drain(instance);
    this.drainers.add(entry);
    return () => void this.drainers.delete(entry);
  }

  publish(source: string, data: Buffer): void {
    if (source === DOZEN_SOURCE || source === 'release' || this.allSlots().some((slot) => slot.spec.name === source)) {
      throw new DozenError('internal', `publish: "${source}" names an instance of the formation (or dozen's own lines); choose another source name`);
    }
    if (data.length === 0) return;
    if (data[data.length - 1] !== 0x0a) throw new DozenError('internal', `publish: ${source}'s data must be whole lines, each ending in "\\n"`);
    const event: SupervisorEvent = { type: 'output', at: this.clock.now(), instance: source, stream: 'stdout', data, origin: 'dozen' };
    if (this.held) this.held.push(event);
    else this.deliver(event);
  }

  outputValve(): OutputValve {
    const valve = {
      pause: () => {
        this.pausedValves.add(valve);
        this.setPaused(true);
      },
      resume: () => {
        if (!this.pausedValves.delete(valve)) return;
        if (this.pausedValves.size === 0) this.setPaused(false);
      },
    };
    return valve;
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    for (const child of this.outputs) (paused ? child.pause() : child.resume());
    if (!paused) this.checkDone(); // the output grace counts again
  }

  // ---- rollouts ---------------------------------------------------------------------------

  private async roll(request: RolloutRequest): Promise<RolloutResult> {
    const replaced: string[] = [];
    for (const name of request.names) {
      const slot = this.slots.get(name);
      if (slot === undefined || leaving(slot)) continue; // scaled away while queued
      const spec = request.spec ? request.spec(slot.spec) : slot.spec;
      const mode = typeof request.mode === 'function' ? request.mode(slot.spec) : request.mode;
      // Nothing to keep serving: a surge of a stopped or crashed instance simply starts the new one.
      const step =
        mode === 'surge' && hasChild(slot.inst.phase) && slot.inst.phase.state !== 'stopping'
          ? await this.surge(slot, spec)
          : await this.replaceInPlace(slot, spec);
      // Scaled away during its turn: not a failure of the rollout, nothing to replace any more.
      if (!step.ok && this.controllable() && (this.slots.get(name) !== slot || leaving(slot))) continue;
      if (!step.ok) return { ok: false, replaced, failed: name, reason: step.reason };
      replaced.push(name);
    }
    return { ok: true, replaced };
  }

  /** Stop-first: down, then up on the same port with the new spec; back up before the next goes down. */
  private async replaceInPlace(slot: Slot, spec: ProcessSpec): Promise<Step> {
    if (!this.controllable()) return this.unavailable();
    // A stop asked before this rollout's turn is honoured: a name being removed is left to go, and
    // one being stopped is first stopped (its stop() resolves), then started as asked now.
    if (leaving(slot)) return { ok: false, reason: 'was removed meanwhile' };
    const p = slot.inst.phase;
    if (p.state === 'stopping' && p.then === 'stay-stopped') await this.until(slot, undefined, (s) => !isActive(s.inst));
    if (!this.controllable()) return this.unavailable();
    if (leaving(slot)) return { ok: false, reason: 'was removed meanwhile' };
    const draining = this.drain(slot);
    if (draining !== undefined) {
      await draining;
      if (!this.controllable()) return this.unavailable();
      if (leaving(slot)) return { ok: false, reason: 'was removed meanwhile' };
    }
    slot.next = withPort(spec, slot.spec.port);
    // Done when it is back up, or when a stop or remove asked meanwhile took over.
    await this.until(slot, { type: 'stop', then: 'restart' }, (s) => isBackUp(s.inst) || !headedForRestart(s.inst));
    slot.next = undefined; // not spawned (dozen stopped meanwhile): nothing to carry over
    if (!this.controllable()) return this.unavailable();
    if (leaving(slot)) return { ok: false, reason: 'was removed meanwhile' };
    return this.verdict(slot);
  }

  /** Surge: the next generation on a free port beside the old one; the old one is stopped once it is ready. */
  private async surge(old: Slot, spec: ProcessSpec): Promise<Step> {
    const name = old.spec.name;
    let port = spec.port;
    if (port !== undefined) {
      const held = new Set(this.allSlots().flatMap((s) => (s.spec.port === undefined ? [] : [s.spec.port])));
      port = await this.ports.surgePort(held);
    }
    // Asked meanwhile (while a port was found): dozen stops, or the old one is stopped or removed.
    if (!this.controllable()) return this.unavailable();
    if (this.slots.get(name) !== old || leaving(old)) return { ok: false, reason: 'was removed meanwhile' };
    if (!serving(old)) return { ok: false, reason: 'was stopped meanwhile' };
    const next = this.newSlot(withPort(spec, port), 'incoming', old.generation + 1);
    // Held in `starting` until it accepts, like the old one was, even if it is not a `web`; a
    // replacement counts as a restart of the name, as a stop-first one does.
    next.inst = { ...next.inst, everReady: old.inst.everReady, restarts: old.inst.restarts + 1 };
    this.beside.add(next);
    this.say('info', `${name}: starting generation ${next.generation}${port === undefined ? '' : ` on port ${port}`} beside generation ${old.generation}`, name);
    await this.until(next, { type: 'start' }, (s) => isSettled(s.inst));

    const oldStays = () => this.controllable() && this.slots.get(name) === old && !leaving(old) && serving(old);
    const verdict = !this.controllable() ? this.unavailable() : oldStays() ? this.verdict(next) : ({ ok: false, reason: 'was stopped meanwhile' } as const);
    if (!verdict.ok) {
      if (!next.removed) await this.until(next, { type: 'stop', then: 'remove' }, (s) => s.removed);
      if (oldStays()) this.say('warn', `${name}: generation ${next.generation} ${verdict.reason}; generation ${old.generation} keeps serving`, name);
      return verdict;
    }
    // The new generation takes the name; the old one is stopped beside it.
    this.beside.delete(next);
    next.role = 'member';
    this.slots.set(name, next);
    old.role = 'outgoing';
    this.beside.add(old);
    this.say('info', `${name}: generation ${next.generation} is ready: stopping generation ${old.generation}`, name);
    await this.drainThenStop(old, 'remove', (s) => s.removed);
    return { ok: true };
  }

  /** Why a rollout cannot go on now: the release phase has not finished, or dozen is stopping. */
  private unavailable(): Step {
    return { ok: false, reason: this.phase === 'idle' || this.phase === 'release-phase' ? 'dozen is still starting' : 'dozen is stopping' };
  }

  /** Whether a replacement that has settled made it, and if not, why. */
  private verdict(slot: Slot): Step {
    const p = slot.inst.phase;
    switch (p.state) {
      case 'running':
        return { ok: true };
      case 'starting': {
        if (!p.bootTimedOut) return { ok: true };
        const within = `within ${Math.round(this.bootTimeoutMs / 1000)} s`;
        if (!p.portOpen || slot.spec.healthPath === undefined) return { ok: false, reason: `did not accept connections on port ${slot.spec.port} ${within}` };
        const last = slot.lastHealth === undefined ? '' : ` (last: ${describeAnswer(slot.lastHealth)})`;
        return { ok: false, reason: `did not answer GET ${slot.spec.healthPath} with 2xx/3xx ${within}${last}` };
      }
      case 'backoff':
      case 'exited':
        return { ok: false, reason: slot.inst.lastExit ? describeOutcome(slot.inst.lastExit) : 'exited' };
      case 'stopped':
      case 'stopping':
        return { ok: false, reason: 'was stopped meanwhile' };
      case 'pending':
        return { ok: false, reason: 'did not start' };
    }
  }

  /** A stop or remove by name also ends a surge replacement of that name still on its way up. */
  private withIncoming(slots: Slot[]): Slot[] {
    const names = new Set(slots.map((s) => s.spec.name));
    return [...slots, ...[...this.beside].filter((s) => s.role === 'incoming' && names.has(s.spec.name))];
  }

  // ---- drains -----------------------------------------------------------------------------

  /**
   * A control request's stop (not the formation's shutdown): a ready instance with a port is
   * drained first, then signalled; resolves once `done(slot)` as `until` does.
   */
  private drainThenStop(slot: Slot, then: 'stay-stopped' | 'remove', done: (slot: Slot) => boolean): Promise<void> {
    const draining = this.drain(slot);
    // Nothing to drain: the signal goes now, before this returns.
    if (draining === undefined) return this.until(slot, { type: 'stop', then }, done);
    // dozen began stopping meanwhile: its own stop signalled the instance (or will).
    return draining.then(() => this.until(slot, this.controllable() ? { type: 'stop', then } : undefined, done));
  }

  /** Every drainer for the instance, in parallel, within the stop timeout; undefined when it serves nothing to drain. */
  private drain(slot: Slot): Promise<void> | undefined {
    const p = slot.inst.phase;
    if (this.drainers.size === 0 || !this.controllable() || slot.spec.port === undefined || p.state !== 'running' || !p.ready) return undefined;
    slot.draining ??= this.runDrainers(slot).finally(() => (slot.draining = undefined));
    return slot.draining;
  }

  private async runDrainers(slot: Slot): Promise<void> {
    const { name, type, port } = slot.spec;
    const instance: DrainedInstance = { name, type, port, generation: slot.generation };
    const all = Promise.all(
      [...this.drainers].map(async (drain) => {
        try {
          await drain(instance);
        } catch (err) {
          this.say('warn', `${name}: a drainer failed (${err instanceof Error ? err.message : String(err)}); stopping it anyway`, name);
        }
      }),
    );
    let timer: unknown;
    const timedOut = new Promise<boolean>((resolve) => (timer = this.clock.setTimeout(() => resolve(true), this.timeoutMs)));
    const late = await Promise.race([all.then(() => false), timedOut]);
    this.clock.clearTimeout(timer);
    if (late) this.say('warn', `${name} was not drained within ${seconds(this.timeoutMs)}: stopping it anyway`, name);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Control requests act only while the formation runs. */
  private controllable(): boolean {
    return this.phase === 'running';
  }

  /** Dispatches `input` (if any), then resolves once `done(slot)`, the slot is removed, or dozen is done. */
  private until(slot: Slot, input: Input | undefined, done: (slot: Slot) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = { slot, done, resolve };
      this.waiters.add(waiter);
      if (input) this.dispatch(slot, input);
      if (this.waiters.has(waiter) && (done(slot) || slot.removed || this.phase === 'done')) {
        this.waiters.delete(waiter);
        resolve();
      }
    });
  }

  private lookup(names: string[]): Slot[] {
    return names.map((name) => {
      const slot = this.slots.get(name);
      if (!slot) {
        const known = [...this.slots.keys()].join(', ') || 'none';
        throw new DozenError('usage', `no instance named "${name}": expected one of ${known}`);
      }
      return slot;
    });
  }

  private addSlot(spec: ProcessSpec): Slot {
    if (!this.typeOrder.has(spec.type)) this.typeOrder.set(spec.type, this.typeOrder.size);
    const slot = this.newSlot(spec, 'member', 1);
    this.slots.set(spec.name, slot);
    return slot;
  }

  private newSlot(spec: ProcessSpec, role: Role, generation: number): Slot {
    return {
      spec, next: undefined, generation, role, inst: newInstance(), child: undefined, run: 0, timers: {}, watch: undefined, removed: false, portTaken: false,
      lastHealth: undefined, draining: undefined,
    };
  }

  private allSlots(): Slot[] {
    const all = [...this.slots.values(), ...this.beside];
    return this.releasePhase ? [this.releasePhase, ...all] : all;
  }

  /** Formation order: by type (Procfile order), instance number, then generation. */
  private ordered(withBeside: boolean): Slot[] {
    const rank = (s: Slot) => this.typeOrder.get(s.spec.type) ?? 0;
    const slots = withBeside ? [...this.slots.values(), ...this.beside] : [...this.slots.values()];
    return slots.sort((a, b) => rank(a) - rank(b) || a.spec.index - b.spec.index || a.generation - b.generation);
  }

  private clearTimer(slot: Slot, timer: TimerName): void {
    const handle = slot.timers[timer];
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    slot.timers[timer] = undefined;
  }

  private clearSlot(slot: Slot): void {
    for (const timer of ['kill', 'backoff', 'boot'] as const) this.clearTimer(slot, timer);
    slot.watch?.stop();
    slot.watch = undefined;
  }
}

/** The source name of dozen's own lines in the store and on the terminal. */
const DOZEN_SOURCE = 'dozen';

/**
 * How often a readiness watch polls at most: instances held in `starting` briskly (a rolling
 * restart waits on them), the others (workers given a PORT they may never bind) and those past
 * their boot timeout gently, to stay cheap at 100.
 */
function watchDelayMs(slot: Slot): number {
  const p = slot.inst.phase;
  return p.state === 'starting' && !p.bootTimedOut ? 250 : 2_000;
}

/** Still part of the running formation: has a child, or is about to get one. */
function isActive(inst: Instance): boolean {
  const s = inst.phase.state;
  return s === 'pending' || s === 'starting' || s === 'running' || s === 'stopping' || s === 'backoff';
}

type Step = { ok: true } | { ok: false; reason: string };

/** Being removed (a scale down) or gone. */
function leaving(slot: Slot): boolean {
  const p = slot.inst.phase;
  return slot.removed || (p.state === 'stopping' && p.then === 'remove');
}

/** Running (or on its way up) and not asked to stop: a surge has something to keep serving. */
function serving(slot: Slot): boolean {
  return hasChild(slot.inst.phase) && slot.inst.phase.state !== 'stopping';
}

/** A stop-first replacement still under way: stopping to restart, or back in the cycle. */
function headedForRestart(inst: Instance): boolean {
  const p = inst.phase;
  return !(p.state === 'stopped' || (p.state === 'stopping' && p.then !== 'restart'));
}

/** A surge replacement has settled: ready, or failed (it is never restarted), or timed out booting. */
function isSettled(inst: Instance): boolean {
  const p = inst.phase;
  return p.state !== 'pending' && !(p.state === 'starting' && !p.bootTimedOut);
}

/** A restarted instance is back when it runs (for a listener: accepts, or timed out trying). */
function isBackUp(inst: Instance): boolean {
  const p = inst.phase;
  switch (p.state) {
    case 'running':
      return true;
    case 'starting':
      return p.bootTimedOut;
    case 'stopping':
    case 'pending':
      return false;
    case 'backoff':
    case 'exited':
    case 'stopped':
      return true; // it failed: nothing to wait for
  }
}

function statusOf(slot: Slot): InstanceStatus {
  const { spec, inst } = slot;
  const p = inst.phase;
  return {
    name: spec.name,
    type: spec.type,
    index: spec.index,
    state: p.state,
    pid: hasChild(p) ? p.pid : undefined,
    port: spec.port,
    ready: (p.state === 'running' || p.state === 'stopping') && p.ready,
    startedAt: hasChild(p) ? p.startedAt : undefined,
    restarts: inst.restarts,
    lastExit: inst.lastExit,
    generation: slot.generation,
    release: spec.release,
    role: slot.role === 'incoming' || slot.role === 'outgoing' ? slot.role : 'member',
  };
}
