// A manual clock for timer-driven code: nothing fires until the test calls advance().
import type { SplitterTimers } from '../../src/logs/line-splitter.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualTimers implements SplitterTimers {
  now = 0;
  private nextId = 1;
  private timers: Pending[] = [];
  private immediates: Array<() => void> = [];

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

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

  /** Timers currently armed. */
  get armed(): number {
    return this.timers.length;
  }

  /** Move the clock forward, firing due timers in order (not the immediates they queue). */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = target;
  }
}
