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
  // The exit (or the giving up) was just reported ("worker.1 exited with code 3"): the reason
  // says what it means for the formation, without saying it again.
  if (!canDie.has(exit.type)) {
    return { action: 'stop', exitCode: exitCodeOf(exit.outcome), reason: `${exit.instance} is not in --can-die` };
  }
  if (activeCount > 0) return { action: 'continue' };
  return { action: 'finish', exitCode: firstFailureCode ?? 0, reason: 'no process left running' };
}
