// What an instance exiting for good means for the whole formation. Pure.
//
// Default (foreman's rule): the formation stops and dozen exits with that instance's code.
// Types listed in --can-die may exit alone; once nothing is left running, dozen exits with 0 if
// every exit was clean, else the first non-zero code.
import type { ExitOutcome } from './events.js';
import { exitCodeOf } from './outcome.js';

export type FormationDecision =
  | { action: 'continue' }
  /** Stop everything; exit with `exitCode` once stopped. */
  | { action: 'stop'; exitCode: number; reason: string }
  /** Nothing is left running: exit now. */
  | { action: 'finish'; exitCode: number; reason: string };

export interface FinalExit {
  instance: string;
  type: string;
  outcome: ExitOutcome;
  gaveUp: boolean;
}

export function afterFinalExit(
  exit: FinalExit,
  canDie: ReadonlySet<string>,
  /** Instances still active (running, starting, stopping, in backoff or pending). */
  activeCount: number,
  /** First non-zero exit code among can-die exits so far, this one included. */
  firstFailureCode: number | undefined,
): FormationDecision {
  // The exit itself was just reported ("worker.1 exited with code 3"): the reason stays short.
  const what = `${exit.instance} ${exit.gaveUp ? 'failed too often' : 'exited'}`;
  if (!canDie.has(exit.type)) {
    return { action: 'stop', exitCode: exitCodeOf(exit.outcome), reason: what };
  }
  if (activeCount > 0) return { action: 'continue' };
  return { action: 'finish', exitCode: firstFailureCode ?? 0, reason: `${what}; no process left running` };
}
