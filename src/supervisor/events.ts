// The one stream of typed events out of the supervisor. logs/, control/ and web/ subscribe to it;
// the supervisor imports none of them.

import type { ExitOutcome, StreamName } from '../platform/spawner.js';

export type { ExitOutcome, StreamName };

export type SupervisorEvent =
  | { type: 'spawned'; at: number; instance: string; pid: number; port: number | undefined }
  /**
   * Output of one child: `data` holds one or more COMPLETE lines, each ending in `\n`
   * (a partial line is completed with a `\n` when flushed after idle or at exit).
   * Batched to keep the hot path free of per-line allocation; consumers split if they need lines.
   * `partial`: `data` is one piece of a line dozen cut (idle partial line or a line over 1 MiB);
   * its `\n` was added by dozen and the next output of this stream continues the line
   * (LineSplitter's `onChunk(data, partial)`; the printer marks the continuation).
   */
  | {
      type: 'output';
      at: number;
      instance: string;
      stream: StreamName;
      data: Buffer;
      partial?: boolean;
      /** `dozen`: lines of dozen's own source (the router's requests, from publish()), stored as dozen's, as Heroku's are `heroku[router]`. */
      origin?: 'dozen';
    }
  /** `health`: the health check that passed (a spec with a health path). */
  | { type: 'ready'; at: number; instance: string; port: number; afterMs: number; health?: { path: string; status: number } }
  /** `healthPath`: the port accepts, but the health check at that path has not passed. */
  | { type: 'boot-timeout'; at: number; instance: string; port: number; afterMs: number; healthPath?: string }
  | { type: 'exited'; at: number; instance: string; pid: number; outcome: ExitOutcome; uptimeMs: number }
  | { type: 'restarting'; at: number; instance: string; delayMs: number; attempt: number }
  | { type: 'gave-up'; at: number; instance: string; failures: number }
  | { type: 'stopping'; at: number; instance: string; signal: NodeJS.Signals }
  /** `timeout`: it outlived the stop timeout; `forced`: a second Ctrl-C (or equivalent). */
  | { type: 'killing'; at: number; instance: string; reason?: 'timeout' | 'forced' }
  | { type: 'stopped'; at: number; instance: string }
  /** A human-readable line from dozen itself, shown and stored tagged `dozen`. */
  | { type: 'message'; at: number; level: 'info' | 'warn' | 'error'; text: string; instance?: string }
  | { type: 'formation-stopping'; at: number; reason: string; signal: NodeJS.Signals }
  | { type: 'formation-exited'; at: number; exitCode: number };

export type SupervisorEventType = SupervisorEvent['type'];
