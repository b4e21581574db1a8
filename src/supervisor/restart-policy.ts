// When a running instance exits on its own: restart it, and after how long? Pure.
//
// Exponential backoff 1 s, 2 s, 4 s ... capped at 30 s. An exit within STABLE_UPTIME_MS of the
// start is "fast"; MAX_FAST_EXITS fast exits in a row and dozen gives up on the instance. A run
// that lasted longer resets the count, so the next restart waits 1 s again.
import type { ExitOutcome } from './events.js';
import { isSuccess } from './outcome.js';

export type RestartMode = 'never' | 'on-failure' | 'always';
export const RESTART_MODES: readonly RestartMode[] = ['never', 'on-failure', 'always'];

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 30_000;
export const STABLE_UPTIME_MS = 60_000;
export const MAX_FAST_EXITS = 10;

export type RestartDecision =
  /** Do not restart: the formation rule decides what the exit means. */
  | { action: 'none' }
  | { action: 'restart'; delayMs: number; fastExits: number }
  | { action: 'give-up'; fastExits: number };

/** `fastExits`: consecutive fast exits before this one. */
export function decideRestart(mode: RestartMode, outcome: ExitOutcome, uptimeMs: number, fastExits: number): RestartDecision {
  if (mode === 'never') return { action: 'none' };
  if (mode === 'on-failure' && isSuccess(outcome)) return { action: 'none' };
  const count = uptimeMs >= STABLE_UPTIME_MS ? 1 : fastExits + 1;
  if (count >= MAX_FAST_EXITS) return { action: 'give-up', fastExits: count };
  return { action: 'restart', delayMs: backoffDelay(count), fastExits: count };
}

/** Delay before restart number `attempt` (1-based) of a series. */
export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1), BACKOFF_CAP_MS);
}
