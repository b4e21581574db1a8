// Polls an instance's port until it accepts connections: cheap connects, backing off from 20 ms
// to `maxDelayMs`, stopped when the instance exits or its boot timeout passes.
import type { Clock } from '../platform/clock.js';
import type { PortProbe } from '../platform/port-probe.js';

const FIRST_DELAY_MS = 20;

export class PortWatch {
  private timer: unknown = undefined;
  private stopped = false;
  private delay = FIRST_DELAY_MS;

  constructor(
    private readonly port: number,
    private readonly probe: PortProbe,
    private readonly clock: Clock,
    private readonly maxDelayMs: number,
    private readonly onOpen: () => void,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, this.delay);
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
