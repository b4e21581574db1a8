// A manual clock for timer-driven code: nothing fires until the test calls advance(). The timer
// queue is the supervisor tests' ManualClock; this adds setImmediate for the line splitter.
import type { SplitterTimers } from '../../src/platform/line-splitter.js';
import { ManualClock } from '../supervisor/manual-clock.js';

export class ManualTimers extends ManualClock implements SplitterTimers {
  private immediates: Array<() => void> = [];

  setImmediate(fn: () => void): void {
    this.immediates.push(fn);
  }

  /** Run what setImmediate queued (the "after I/O" phase of a loop turn). */
  runImmediates(): void {
    for (const fn of this.immediates.splice(0)) fn();
  }

  /** advance(), then the immediates that queued: a whole turn with no I/O. */
  tick(ms: number): void {
    this.advance(ms);
    this.runImmediates();
  }
}
