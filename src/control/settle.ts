// After a restart, "it runs again" is not yet "it stays up": a worker in a crash loop is running
// for the 50 ms before it dies again. A restarted instance has settled once it is ready (one that
// listens: its port accepts, its health check passed), or has stayed up SETTLE_MS (one that does
// not listen), or has exited; restart waits for that and reports an exit as the restart's failure.
import { describeOutcome } from '../supervisor/outcome.js';
import type { ExitOutcome } from '../supervisor/events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';

/** How long an instance with no port must stay up after a restart to count as up. */
export const SETTLE_MS = 1_000;

export interface SettleWatch {
  /**
   * Once each instance named has settled (pidBefore: its process before the restart, whose exit is
   * expected): the first one whose new process exited, with why, in the order given; else undefined.
   */
  settled(instances: ReadonlyArray<{ name: string; pidBefore: number | null }>): Promise<{ instance: string; reason: string } | undefined>;
  stop(): void;
}

/** Starts watching exits; call before the restart begins, so no exit is missed. */
export function watchSettling(handle: SupervisorHandle, settleMs = SETTLE_MS): SettleWatch {
  const exits = new Map<string, Array<{ pid: number; outcome: ExitOutcome; uptimeMs: number }>>();
  let wake: (() => void) | undefined;
  const unsubscribe = handle.subscribe((event) => {
    if (event.type !== 'exited') return;
    exits.set(event.instance, [...(exits.get(event.instance) ?? []), { pid: event.pid, outcome: event.outcome, uptimeMs: event.uptimeMs }]);
    wake?.();
  });
  const exitOf = (name: string, pidBefore: number | null) => exits.get(name)?.find((e) => e.pid !== pidBefore);

  return {
    async settled(instances) {
      for (;;) {
        const failed = instances.find((i) => exitOf(i.name, i.pidBefore) !== undefined);
        if (failed) {
          const exit = exitOf(failed.name, failed.pidBefore)!;
          return { instance: failed.name, reason: `${describeOutcome(exit.outcome)} ${exit.uptimeMs} ms after it started` };
        }
        const now = Date.now();
        const rows = new Map(handle.status().filter((s) => s.role === 'member').map((s) => [s.name, s]));
        // Up but not listening (a listener is held in `starting` until ready): not settled until SETTLE_MS.
        const waits = instances.flatMap((i) => {
          const s = rows.get(i.name);
          if (s?.state !== 'running' || s.ready || s.startedAt === undefined) return [];
          const left = s.startedAt + settleMs - now;
          return left > 0 ? [left] : [];
        });
        if (waits.length === 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(...waits));
          function done(): void {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
    },
    stop: unsubscribe,
  };
}
