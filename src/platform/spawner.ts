// How the supervisor starts a child: an injected Spawner. The real one runs `sh -c` in its own
// process group and splits its output into complete lines; tests pass a fake.
import type { ProcessSpec } from '../formation/types.js';

export type StreamName = 'stdout' | 'stderr';

/** Why a child is no longer running: failure as data, never an exception. */
export type ExitOutcome =
  | { reason: 'exit-code'; code: number }
  | { reason: 'signal'; signal: NodeJS.Signals }
  | { reason: 'spawn-error'; message: string; errno?: string }
  /** dozen had to SIGKILL it after the stop timeout. */
  | { reason: 'killed' };

export interface SpawnRequest {
  spec: ProcessSpec;
  /** The environment the child gets (already layered). */
  env: NodeJS.ProcessEnv;
  /** A leaf cgroup the child's shell enters before it runs the command (platform/cgroup-tree.ts). */
  cgroup?: string | undefined;
  /** One or more complete lines (see the `output` event). */
  onOutput(stream: StreamName, data: Buffer, partial: boolean): void;
  /**
   * The leader exited and its output so far was delivered (or the spawn failed: `spawn-error`).
   * Called exactly once.
   */
  onExit(outcome: ExitOutcome): void;
  /**
   * Both pipes reached end of file: every process holding them exited and all output was
   * delivered. Comes after onExit, or never for a failed spawn.
   */
  onOutputClosed(): void;
}

export interface SpawnedChild {
  /** Undefined when the spawn failed; onExit follows with a `spawn-error`. */
  readonly pid: number | undefined;
  /** Backpressure: stop / restart reading the child's pipes. */
  pause(): void;
  resume(): void;
  /**
   * Stop reading the pipes for good and close them (dozen is done; whatever still holds them is
   * out of its reach). Nothing more is reported for this child.
   */
  release(): void;
}

export type Spawner = (req: SpawnRequest) => SpawnedChild;
