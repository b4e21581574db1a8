// Time, injectable: the supervisor reads the time and arms timers only through a Clock, so driver
// tests run on a manual clock. The timer half matches platform/line-splitter.ts's SplitterTimers.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Its timers keep dozen alive: a backoff or a stop timeout is work to finish. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
