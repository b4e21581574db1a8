// One instance (`web.1`) as an explicit state machine with ONE pure transition function:
// (instance, input, context) -> { instance, effects }. No I/O and no clock here: the driver
// (supervisor.ts) feeds inputs in and performs the effects (spawn, signal, timers, events).
//
//   pending --start--> [spawn] --spawned--> starting --port open--> running
//      starting --port open--> starting (portOpen) --health ok--> running    (the spec has a healthPath)
//      running/starting --exit--> backoff --timer--> [spawn]     (restart policy says restart)
//                                 exited                         (no restart, or gave up)
//      running/starting --stop--> stopping --exit, group empty--> stopped | [spawn] (restart) | removed
//      stopping --kill timer / force--> SIGKILL, still stopping until the exit
//
// "starting" means: spawned, its port not accepting yet. Only instances expected to listen are
// held there: type `web` (Heroku's rule), any instance with a health path, and any instance that
// was ready in an earlier run. With a health path, "ready" also needs an HTTP check to pass once
// the port accepts (the driver polls it; `health-ok` comes when one answers 2xx or 3xx).
import type { ProcessSpec } from '../formation/types.js';
import type { InstanceState } from './handle.js';
import type { ExitOutcome, SupervisorEvent } from './events.js';
import { decideRestart, type RestartMode } from './restart-policy.js';

/** What to do once a stopping instance has exited. */
export type AfterStop = 'stay-stopped' | 'restart' | 'remove';

export type TimerName = 'kill' | 'backoff' | 'boot';

export type Phase =
  | { state: 'pending' }
  /** `portOpen`: the port accepts and the health check is polled (only with a health path). */
  | { state: 'starting'; pid: number; startedAt: number; bootTimedOut: boolean; portOpen: boolean }
  | { state: 'running'; pid: number; startedAt: number; ready: boolean }
  | {
      state: 'stopping';
      pid: number;
      startedAt: number;
      ready: boolean;
      signal: NodeJS.Signals;
      since: number;
      killed: boolean;
      then: AfterStop;
      /** The leader's exit, once it came; the stop completes when its whole group is gone. */
      exit: ExitOutcome | undefined;
    }
  | { state: 'backoff'; delayMs: number; until: number }
  | { state: 'exited'; outcome: ExitOutcome }
  | { state: 'stopped' };

// Keep the handle's state names and ours in step.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const statesMatch: Same<Phase['state'], InstanceState> = true;
void statesMatch;

export interface Instance {
  phase: Phase;
  /** Times it was started again after its first start. */
  restarts: number;
  /** Consecutive fast exits (restart policy). */
  fastExits: number;
  lastExit: ExitOutcome | undefined;
  /** Its port accepted connections in some run: later runs are held in `starting` until it does again. */
  everReady: boolean;
}

export function newInstance(): Instance {
  return { phase: { state: 'pending' }, restarts: 0, fastExits: 0, lastExit: undefined, everReady: false };
}

export type Input =
  | { type: 'start' }
  | { type: 'spawned'; pid: number }
  /** The spawn itself failed (no pid): treated as an immediate exit. */
  | { type: 'spawn-failed'; outcome: ExitOutcome }
  /** The group leader exited (its output is flushed). */
  | { type: 'exit'; outcome: ExitOutcome }
  /** No live process is left in the group led by `pid` (after its leader exited). */
  | { type: 'group-empty'; pid: number }
  | { type: 'port-open' }
  /** The health check answered `status` (2xx or 3xx). */
  | { type: 'health-ok'; status: number }
  | { type: 'timer'; timer: TimerName }
  | { type: 'stop'; then: AfterStop; signal?: NodeJS.Signals }
  /** SIGKILL now (second Ctrl-C). */
  | { type: 'kill' };

export type Effect =
  | { type: 'spawn' }
  /** Signal the process group led by `pid`. */
  | { type: 'signal'; pid: number; signal: NodeJS.Signals }
  | { type: 'set-timer'; timer: TimerName; ms: number }
  | { type: 'clear-timer'; timer: TimerName }
  | { type: 'watch-port' }
  /** Poll the spec's health path (its port accepts). */
  | { type: 'watch-health' }
  /** Stop the port watch or the health watch. */
  | { type: 'unwatch-port' }
  | { type: 'emit'; event: SupervisorEvent }
  /**
   * The leader is gone; its group may still have members (background jobs). Make sure it ends:
   * send `signal` if given, SIGKILL whatever is left after `killAfterMs`.
   */
  | { type: 'reap'; pid: number; signal: NodeJS.Signals | undefined; killAfterMs: number }
  /** Exited for good (not restarted): the formation rule decides what happens next. */
  | { type: 'final'; outcome: ExitOutcome; gaveUp: boolean }
  /** Stopped and taken out of the formation. */
  | { type: 'removed' };

export interface MachineContext {
  now: number;
  spec: Pick<ProcessSpec, 'name' | 'type' | 'port' | 'healthPath'>;
  restart: RestartMode;
  timeoutMs: number;
  bootTimeoutMs: number;
  stopSignal: NodeJS.Signals;
}

export interface Transition {
  instance: Instance;
  effects: Effect[];
}

export function transition(inst: Instance, input: Input, ctx: MachineContext): Transition {
  const p = inst.phase;
  const name = ctx.spec.name;
  const at = ctx.now;
  const emit = (event: SupervisorEvent): Effect => ({ type: 'emit', event });
  const same: Transition = { instance: inst, effects: [] };

  switch (input.type) {
    case 'start':
      switch (p.state) {
        case 'pending':
          return { instance: inst, effects: [{ type: 'spawn' }] };
        case 'exited':
        case 'stopped':
          return respawn(inst, []);
        case 'backoff':
          return respawn(inst, [{ type: 'clear-timer', timer: 'backoff' }]);
        default:
          return same;
      }

    case 'spawned': {
      const port = ctx.spec.port;
      const held = port !== undefined && (ctx.spec.type === 'web' || ctx.spec.healthPath !== undefined || inst.everReady);
      const phase: Phase = held
        ? { state: 'starting', pid: input.pid, startedAt: at, bootTimedOut: false, portOpen: false }
        : { state: 'running', pid: input.pid, startedAt: at, ready: false };
      const effects: Effect[] = [emit({ type: 'spawned', at, instance: name, pid: input.pid, port })];
      if (port !== undefined) {
        effects.push({ type: 'watch-port' }, { type: 'set-timer', timer: 'boot', ms: ctx.bootTimeoutMs });
      }
      return { instance: { ...inst, phase }, effects };
    }

    case 'port-open': {
      const port = ctx.spec.port;
      if (port === undefined) return same;
      if (p.state === 'starting' && ctx.spec.healthPath !== undefined) {
        // Listening is not enough: the health check decides, polled until the boot timeout.
        if (p.portOpen) return same;
        return { instance: { ...inst, phase: { ...p, portOpen: true } }, effects: [{ type: 'unwatch-port' }, { type: 'watch-health' }] };
      }
      if (p.state !== 'starting' && !(p.state === 'running' && !p.ready)) return same;
      return becameReady(inst, p, port, undefined, ctx);
    }

    case 'health-ok': {
      const port = ctx.spec.port;
      const path = ctx.spec.healthPath;
      if (p.state !== 'starting' || !p.portOpen || port === undefined || path === undefined) return same;
      return becameReady(inst, p, port, { path, status: input.status }, ctx);
    }

    case 'spawn-failed':
      if (p.state === 'starting' || p.state === 'running' || p.state === 'stopping') return same;
      return exitedOnItsOwn(inst, input.outcome, 0, 0, ctx);

    case 'exit':
      switch (p.state) {
        case 'starting':
        case 'running':
          return exitedOnItsOwn(inst, input.outcome, p.pid, at - p.startedAt, ctx);
        case 'stopping': {
          if (p.exit !== undefined) return same;
          // `sh -c` dies of the signal at once while the app may take its time: wait for the
          // whole group (a restart must not start while the old run still holds the port).
          const leftMs = Math.max(0, p.since + ctx.timeoutMs - at);
          return {
            instance: { ...inst, phase: { ...p, exit: input.outcome } },
            effects: [{ type: 'reap', pid: p.pid, signal: undefined, killAfterMs: p.killed ? 0 : leftMs }],
          };
        }
        default:
          return same; // no child to exit: a stale report
      }

    case 'group-empty':
      if (p.state !== 'stopping' || p.exit === undefined || p.pid !== input.pid) return same;
      return stopCompleted(inst, p, p.exit, ctx);

    case 'timer':
      switch (input.timer) {
        case 'kill':
          return p.state === 'stopping' && !p.killed ? kill(inst, p, 'timeout', ctx) : same;
        case 'backoff':
          return p.state === 'backoff' ? respawn(inst, []) : same;
        case 'boot': {
          if (p.state === 'running' && !p.ready) {
            // Not expected to listen and did not: stop probing, say nothing.
            return { instance: inst, effects: [{ type: 'unwatch-port' }] };
          }
          if (p.state !== 'starting' || ctx.spec.port === undefined) return same;
          const health = p.portOpen ? ctx.spec.healthPath : undefined;
          const event: SupervisorEvent = { type: 'boot-timeout', at, instance: name, port: ctx.spec.port, afterMs: at - p.startedAt, ...(health === undefined ? {} : { healthPath: health }) };
          return {
            instance: { ...inst, phase: { ...p, bootTimedOut: true } },
            // Keep watching (a late bind or a late pass is still reported), at a slower pace.
            effects: [emit(event), { type: health === undefined ? 'watch-port' : 'watch-health' }],
          };
        }
      }
      return same;

    case 'stop': {
      const signal = input.signal ?? ctx.stopSignal;
      switch (p.state) {
        case 'starting':
        case 'running': {
          const ready = p.state === 'running' && p.ready;
          const phase: Phase = { state: 'stopping', pid: p.pid, startedAt: p.startedAt, ready, signal, since: at, killed: false, then: input.then, exit: undefined };
          return {
            instance: { ...inst, phase },
            effects: [
              { type: 'clear-timer', timer: 'boot' },
              { type: 'unwatch-port' },
              emit({ type: 'stopping', at, instance: name, signal }),
              { type: 'signal', pid: p.pid, signal },
              { type: 'set-timer', timer: 'kill', ms: ctx.timeoutMs },
            ],
          };
        }
        case 'stopping':
          // Already on its way down: only what happens afterwards changes.
          return { instance: { ...inst, phase: { ...p, then: input.then } }, effects: [] };
        case 'backoff':
          return notRunning(inst, input.then, [{ type: 'clear-timer', timer: 'backoff' }], ctx);
        case 'pending':
        case 'exited':
        case 'stopped':
          return notRunning(inst, input.then, [], ctx);
      }
      return same;
    }

    case 'kill':
      switch (p.state) {
        case 'stopping':
          return p.killed ? same : kill(inst, p, 'forced', ctx);
        case 'starting':
        case 'running': {
          const stopping: Extract<Phase, { state: 'stopping' }> = {
            state: 'stopping', pid: p.pid, startedAt: p.startedAt, ready: false, signal: 'SIGKILL', since: at, killed: false, then: 'stay-stopped', exit: undefined,
          };
          const t = kill(inst, stopping, 'forced', ctx);
          return { instance: t.instance, effects: [{ type: 'clear-timer', timer: 'boot' }, { type: 'unwatch-port' }, ...t.effects] };
        }
        default:
          return same;
      }
  }
}

/** Its port accepts (and its health check passed, if it has one): running and ready. */
function becameReady(
  inst: Instance,
  p: Extract<Phase, { state: 'starting' | 'running' }>,
  port: number,
  health: { path: string; status: number } | undefined,
  ctx: MachineContext,
): Transition {
  const at = ctx.now;
  const event: SupervisorEvent = { type: 'ready', at, instance: ctx.spec.name, port, afterMs: at - p.startedAt, ...(health === undefined ? {} : { health }) };
  return {
    instance: { ...inst, everReady: true, phase: { state: 'running', pid: p.pid, startedAt: p.startedAt, ready: true } },
    effects: [{ type: 'clear-timer', timer: 'boot' }, { type: 'unwatch-port' }, { type: 'emit', event }],
  };
}

/** Start a new run of the instance (it is not running). */
function respawn(inst: Instance, before: Effect[]): Transition {
  const phase: Phase = { state: 'pending' };
  return { instance: { ...inst, phase, restarts: inst.restarts + 1 }, effects: [...before, { type: 'spawn' }] };
}

/** The instance exited by itself: apply the restart policy. */
function exitedOnItsOwn(inst: Instance, outcome: ExitOutcome, pid: number, uptimeMs: number, ctx: MachineContext): Transition {
  const name = ctx.spec.name;
  const at = ctx.now;
  const effects: Effect[] = [{ type: 'clear-timer', timer: 'boot' }, { type: 'unwatch-port' }];
  effects.push({ type: 'emit', event: { type: 'exited', at, instance: name, pid, outcome, uptimeMs } });
  if (pid > 0) effects.push({ type: 'reap', pid, signal: ctx.stopSignal, killAfterMs: ctx.timeoutMs });
  const decision = decideRestart(ctx.restart, outcome, uptimeMs, inst.fastExits);
  switch (decision.action) {
    case 'restart':
      effects.push(
        { type: 'emit', event: { type: 'restarting', at, instance: name, delayMs: decision.delayMs, attempt: decision.fastExits } },
        { type: 'set-timer', timer: 'backoff', ms: decision.delayMs },
      );
      return {
        instance: { ...inst, lastExit: outcome, fastExits: decision.fastExits, phase: { state: 'backoff', delayMs: decision.delayMs, until: at + decision.delayMs } },
        effects,
      };
    case 'give-up':
      effects.push(
        { type: 'emit', event: { type: 'gave-up', at, instance: name, failures: decision.fastExits } },
        { type: 'final', outcome, gaveUp: true },
      );
      return { instance: { ...inst, lastExit: outcome, fastExits: decision.fastExits, phase: { state: 'exited', outcome } }, effects };
    case 'none':
      effects.push({ type: 'final', outcome, gaveUp: false });
      return { instance: { ...inst, lastExit: outcome, phase: { state: 'exited', outcome } }, effects };
  }
}

/** The leader exited and its group is empty: the stop is complete. */
function stopCompleted(
  inst: Instance,
  p: Extract<Phase, { state: 'stopping' }>,
  exit: ExitOutcome,
  ctx: MachineContext,
): Transition {
  const at = ctx.now;
  const name = ctx.spec.name;
  // It took our SIGKILL to end the group: say so, whatever the leader (`sh`) died of.
  const outcome: ExitOutcome = p.killed ? { reason: 'killed' } : exit;
  const effects: Effect[] = [
    { type: 'clear-timer', timer: 'kill' },
    { type: 'emit', event: { type: 'exited', at, instance: name, pid: p.pid, outcome, uptimeMs: at - p.startedAt } },
    { type: 'emit', event: { type: 'stopped', at, instance: name } },
  ];
  const stopped: Instance = { ...inst, lastExit: outcome, phase: { state: 'stopped' } };
  switch (p.then) {
    case 'stay-stopped':
      return { instance: stopped, effects };
    case 'remove':
      return { instance: stopped, effects: [...effects, { type: 'removed' }] };
    case 'restart':
      // A restart on request starts a fresh backoff series.
      return respawn({ ...stopped, fastExits: 0 }, effects);
  }
}

/** stop on an instance with no child: backoff, pending, exited or stopped. */
function notRunning(inst: Instance, then: AfterStop, before: Effect[], ctx: MachineContext): Transition {
  const p = inst.phase;
  switch (then) {
    case 'restart':
      return respawn({ ...inst, fastExits: 0 }, before);
    case 'remove':
      return { instance: { ...inst, phase: { state: 'stopped' } }, effects: [...before, { type: 'removed' }] };
    case 'stay-stopped':
      // An instance that exited keeps its `exited` state (and outcome) for ps.
      if (p.state === 'exited' || p.state === 'stopped') return { instance: inst, effects: before };
      return {
        instance: { ...inst, phase: { state: 'stopped' } },
        effects: [...before, { type: 'emit', event: { type: 'stopped', at: ctx.now, instance: ctx.spec.name } }],
      };
  }
}

function kill(inst: Instance, p: Extract<Phase, { state: 'stopping' }>, reason: 'timeout' | 'forced', ctx: MachineContext): Transition {
  return {
    instance: { ...inst, phase: { ...p, killed: true } },
    effects: [
      { type: 'clear-timer', timer: 'kill' },
      { type: 'emit', event: { type: 'killing', at: ctx.now, instance: ctx.spec.name, reason } },
      { type: 'signal', pid: p.pid, signal: 'SIGKILL' },
    ],
  };
}

/** Phases with a live group leader. */
export function hasChild(phase: Phase): phase is Extract<Phase, { pid: number }> {
  return phase.state === 'starting' || phase.state === 'running' || phase.state === 'stopping';
}
