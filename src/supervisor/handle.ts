// What the rest of dozen (printer, log store, control API, web UI) can see and ask of a running
// supervisor. The supervisor implements it; its clients depend on this file only.
import type { ProcessSpec } from '../formation/types.js';
import type { ExitOutcome, SupervisorEvent } from './events.js';

export type InstanceState = 'pending' | 'starting' | 'running' | 'stopping' | 'backoff' | 'exited' | 'stopped';

export interface InstanceStatus {
  name: string;
  type: string;
  index: number;
  state: InstanceState;
  pid: number | undefined;
  port: number | undefined;
  /** Its port accepts TCP connections (false for instances without a port). */
  ready: boolean;
  /** When the current run started (epoch ms), if running. */
  startedAt: number | undefined;
  restarts: number;
  lastExit: ExitOutcome | undefined;
  /** 1 for the first run of the name; each rollout's replacement is the next. */
  generation: number;
  /** The numbered release it runs (`v4`); undefined for a working tree. */
  release: string | undefined;
  /**
   * `member`: the instance of its name in the formation. During a surge, `incoming`: the next
   * generation, not ready yet; `outgoing`: the previous one, being stopped.
   */
  role: 'member' | 'incoming' | 'outgoing';
}

/** `stop-first`: stop, then start in its place (same port). `surge`: start beside it, wait until ready, then stop the old one. */
export type RolloutMode = 'stop-first' | 'surge';

export interface RolloutRequest {
  /** Instance names, replaced one after another in this order. */
  names: string[];
  mode: RolloutMode;
  /** The spec each replacement runs, from the one it replaces; default: the same spec. The port is the rollout's. */
  spec?: (current: ProcessSpec) => ProcessSpec;
}

export type RolloutResult =
  | { ok: true; replaced: string[] }
  /** Stopped at `failed`: the names before it were replaced, the ones after it left as they were. */
  | { ok: false; replaced: string[]; failed: string; reason: string };

/** One consumer's hold on the children's output (backpressure). Output flows while no valve is paused. */
export interface OutputValve {
  pause(): void;
  resume(): void;
}

export interface SupervisorHandle {
  /**
   * Subscribe to the event stream; returns the unsubscribe function. Listeners run synchronously;
   * one that throws is reported (a `dozen` error line) and unsubscribed, the others unaffected.
   */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /** A snapshot of every instance, in formation order. */
  status(): InstanceStatus[];
  /** The specs currently in the formation (for scale and export). */
  specs(): ProcessSpec[];
  /**
   * Replace instances with a new generation (same or new spec), one after another. Rollouts run
   * one at a time, in the order asked. Throws DozenError('usage') for an unknown name.
   */
  rollout(request: RolloutRequest): Promise<RolloutResult>;
  /** A stop-first rollout of the same spec; resolves when the last is running again. */
  restart(names: string[]): Promise<RolloutResult>;
  /** Stop and keep stopped (state 'stopped'); `restart` brings them back. */
  stop(names: string[]): Promise<void>;
  /** Add instances to the live formation and start them. */
  add(specs: ProcessSpec[]): Promise<void>;
  /** Stop instances and remove them from the formation. */
  remove(names: string[]): Promise<void>;
  /** Stop everything as SIGTERM to dozen would; resolves with dozen's exit code. */
  shutdown(reason: string): Promise<number>;
  /**
   * Says one of dozen's own lines: a `message` event, so it is printed tagged `dozen`, stored
   * and drained like the supervisor's. For attachments' notices (a stale socket replaced, lines
   * dropped...). Said before `run()`, it is held and emitted when the run starts, once every
   * attachment listens.
   */
  say(level: 'info' | 'warn' | 'error', text: string, instance?: string): void;
  /** Backpressure: a valve of the consumer's own; reading stops while any valve is paused. */
  outputValve(): OutputValve;
}
