// What the router counts: requests per status class and per error code, and latency percentiles
// over the last minute, for the router as a whole and per instance name (`dozen ps`, the dashboard).
import { LatencyWindow, type Percentiles } from './latency-window.js';
import type { RouterErrorCode } from './request-log.js';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface Counts {
  requests: number;
  statusClasses: Partial<Record<StatusClass, number>>;
  /** Requests the last minute held (for a rate), and their latency percentiles (ms). */
  latency: Percentiles | null;
}

class Tally {
  requests = 0;
  readonly classes: Partial<Record<StatusClass, number>> = {};
  readonly window = new LatencyWindow();

  add(status: number, ms: number, now: number): void {
    this.requests += 1;
    const cls = statusClass(status);
    if (cls !== undefined) this.classes[cls] = (this.classes[cls] ?? 0) + 1;
    this.window.record(ms, now);
  }

  counts(now: number): Counts {
    return { requests: this.requests, statusClasses: { ...this.classes }, latency: this.window.percentiles(now) };
  }
}

export class RouterStats {
  private readonly total = new Tally();
  private readonly perInstance = new Map<string, Tally>();
  private readonly errors: Partial<Record<RouterErrorCode, number>> = {};

  record(dyno: string | undefined, status: number, ms: number, code: RouterErrorCode | undefined, now: number): void {
    this.total.add(status, ms, now);
    if (code !== undefined) this.errors[code] = (this.errors[code] ?? 0) + 1;
    if (dyno === undefined) return;
    let tally = this.perInstance.get(dyno);
    if (tally === undefined) this.perInstance.set(dyno, (tally = new Tally()));
    tally.add(status, ms, now);
  }

  snapshot(now: number): { total: Counts; errors: Partial<Record<RouterErrorCode, number>>; instances: Map<string, Counts> } {
    const instances = new Map<string, Counts>();
    for (const [name, tally] of this.perInstance) instances.set(name, tally.counts(now));
    return { total: this.total.counts(now), errors: { ...this.errors }, instances };
  }
}

function statusClass(status: number): StatusClass | undefined {
  if (status < 100 || status >= 600) return undefined;
  return `${Math.floor(status / 100)}xx` as StatusClass; // 499 (client gone) is a 4xx
}
