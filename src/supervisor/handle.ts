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
}

export interface SupervisorHandle {
  /** Subscribe to the event stream; returns the unsubscribe function. Listeners run synchronously. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /** A snapshot of every instance, in formation order. */
  status(): InstanceStatus[];
  /** The specs currently in the formation (for scale and export). */
  specs(): ProcessSpec[];
  /** Graceful restart, one instance after another; resolves when the last is running again. */
  restart(names: string[]): Promise<void>;
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
  /** Backpressure: pause/resume reading every child's stdout and stderr. */
  pauseOutput(): void;
  resumeOutput(): void;
}
