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
  /** One mode for all, or each instance's from its current spec (surge `web`, restart the others stop-first). */
  mode: RolloutMode | ((current: ProcessSpec) => RolloutMode);
  /** The spec each replacement runs, from the one it replaces; default: the same spec. The port is the rollout's. */
  spec?: (current: ProcessSpec) => ProcessSpec;
}

export type RolloutResult =
  | { ok: true; replaced: string[] }
  /** Stopped at `failed`: the names before it were replaced, the ones after it left as they were. */
  | { ok: false; replaced: string[]; failed: string; reason: string };

/** The instance a drainer is asked to drain (stop sending it requests, let its in-flight ones finish). */
export interface DrainedInstance {
  name: string;
  type: string;
  port: number | undefined;
  generation: number;
}

/** Resolves once the instance may be signalled; abandoned after the stop timeout. */
export type Drainer = (instance: DrainedInstance) => Promise<void>;

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
  /**
   * Called (every drainer in parallel) before a ready instance with a port gets its stop signal
   * from a request: a surge's outgoing generation, `stop`, `remove`, a stop-first restart. Not
   * when dozen itself stops, nor for an instance that is not ready. The signal waits at most the
   * stop timeout; a drainer that fails or is late is reported (a warn line) and the stop goes on.
   * Returns the function that removes it.
   */
  addDrainer(drain: Drainer): () => void;
  /**
   * Output from a source of dozen's own (the router's request log): an `output` event of
   * `source` on stdout, through the same path as the apps' (printer, store, drains, subscribers).
   * `data` holds whole lines, each ending in `\n`. Throws DozenError('internal') when `source`
   * is an instance name of the formation, `release` or `dozen`, or the data ends mid-line.
   */
  publish(source: string, data: Buffer): void;
}
