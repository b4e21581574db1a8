// What an exit means, in numbers and words.
import type { ExitOutcome } from './events.js';
import { exitCodeForSignal } from '../platform/signals.js';

/** The exit status a shell would report for this outcome. */
export function exitCodeOf(outcome: ExitOutcome): number {
  switch (outcome.reason) {
    case 'exit-code':
      return outcome.code;
    case 'signal':
      return exitCodeForSignal(outcome.signal);
    case 'killed':
      return exitCodeForSignal('SIGKILL');
    case 'spawn-error':
      return outcome.errno === 'ENOENT' ? 127 : outcome.errno === 'EACCES' ? 126 : 1;
  }
}

export function isSuccess(outcome: ExitOutcome): boolean {
  return outcome.reason === 'exit-code' && outcome.code === 0;
}

/** `exited with code 3`, `was terminated by SIGTERM`, ... (follows the instance name). */
export function describeOutcome(outcome: ExitOutcome): string {
  switch (outcome.reason) {
    case 'exit-code':
      return `exited with code ${outcome.code}`;
    case 'signal':
      return `was terminated by ${outcome.signal}`;
    case 'killed':
      // After the stop timeout (said in its own line) or a forced stop (a second Ctrl-C).
      return 'was killed with SIGKILL';
    case 'spawn-error':
      return `could not be started: ${outcome.message}`;
  }
}
