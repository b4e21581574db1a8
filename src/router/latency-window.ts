// Latency percentiles over a sliding window (the last minute), in bounded memory whatever the
// request rate: one log-scale histogram per second (buckets 5% apart), merged when asked. A
// percentile is the upper edge of its bucket, so it is at most 5% above the true value.

const MIN_MS = 0.05;
const RATIO = 1.05;
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / Math.log(RATIO)) + 1;
const LOG_RATIO = Math.log(RATIO);

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export class LatencyWindow {
  private readonly slots: Array<{ second: number; counts: Uint32Array } | undefined>;

  constructor(private readonly windowSeconds = 60) {
    this.slots = new Array<undefined>(windowSeconds).fill(undefined);
  }

  /** Records one request's latency (ms) at `nowMs`. */
  record(ms: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const at = second % this.windowSeconds;
    let slot = this.slots[at];
    if (slot === undefined) {
      slot = { second, counts: new Uint32Array(BUCKETS) };
      this.slots[at] = slot;
    } else if (slot.second !== second) {
      slot.second = second;
      slot.counts.fill(0);
    }
    slot.counts[bucketOf(ms)]! += 1;
  }

  /** p50/p95/p99 (ms) of what was recorded in the window ending at `nowMs`; null when nothing was. */
  percentiles(nowMs: number): Percentiles | null {
    const now = Math.floor(nowMs / 1000);
    const merged = new Float64Array(BUCKETS);
    let count = 0;
    for (const slot of this.slots) {
      if (slot === undefined || now - slot.second >= this.windowSeconds || slot.second > now) continue;
      for (let i = 0; i < BUCKETS; i++) merged[i]! += slot.counts[i]!;
    }
    for (let i = 0; i < BUCKETS; i++) count += merged[i]!;
    if (count === 0) return null;
    return { count, p50: quantile(merged, count, 0.5), p95: quantile(merged, count, 0.95), p99: quantile(merged, count, 0.99) };
  }
}

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_RATIO));
}

/** The upper edge of the bucket holding the q-th request (rounded to 0.01 ms). */
function quantile(counts: Float64Array, total: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return Math.round(MIN_MS * RATIO ** i * 100) / 100;
  }
  return Math.round(MIN_MS * RATIO ** (counts.length - 1) * 100) / 100;
}
