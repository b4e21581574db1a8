// Polls an instance's port until it accepts connections, backing off from 20 ms to `maxDelayMs`,
// stopped when the instance exits or its boot timeout passes. Once the delay reaches ALIGN_MS,
// polls fall on a shared grid of ALIGN_MS, and gentle watches at their slowest delay (workers that
// may never bind, polled every 2 s) on multiples of it: the watches of many instances poll in the
// same turn, one wave that the probe answers with one table read instead of one connect each.
import type { Clock } from '../platform/clock.js';
import type { PortProbe } from '../platform/port-probe.js';

const FIRST_DELAY_MS = 20;
const ALIGN_MS = 100;
const GENTLE_MS = 1_000;

export class PortWatch {
  private timer: unknown = undefined;
  private stopped = false;
  private delay: number;

  constructor(
    private readonly port: number,
    private readonly probe: PortProbe,
    private readonly clock: Clock,
    private readonly maxDelayMs: number,
    private readonly onOpen: () => void,
  ) {
    // A gentle watch starts on the grid: 100 workers spawned over 300 ms poll in a few waves, not
    // in ~100 waves of one connect each.
    this.delay = maxDelayMs >= GENTLE_MS ? ALIGN_MS : FIRST_DELAY_MS;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    let ms = this.delay;
    if (ms >= ALIGN_MS) {
      // Gentle watches at their slowest poll on multiples of that delay: all together.
      const grid = ms >= this.maxDelayMs && ms >= GENTLE_MS ? ms : ALIGN_MS;
      const now = this.clock.now();
      ms = Math.ceil((now + ms) / grid) * grid - now;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, ms);
    this.delay = Math.min(this.delay * 1.5, this.maxDelayMs);
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    const open = await this.probe(this.port);
    if (this.stopped) return;
    if (open) {
      this.stopped = true;
      this.onOpen();
    } else {
      this.schedule();
    }
  }
}
