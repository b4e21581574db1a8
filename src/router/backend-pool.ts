// The instances the router sends requests to, and which one takes the next request: the one
// with the fewest requests in flight, ties broken round-robin (a slow instance gets fewer, and
// equal ones share evenly). An instance being drained takes no new request; its drain resolves
// once its last request in flight is done.

export interface Backend {
  /** The instance name (`web.1`): two generations of one name are two backends, by port. */
  name: string;
  port: number;
  generation: number;
  inFlight: number;
  /** WebSocket (and other Upgrade) tunnels open to it: not waited for by a drain. */
  tunnels: number;
  draining: boolean;
  /** Resolves the drain in progress once inFlight reaches 0. */
  idle?: () => void;
}

export interface BackendTarget {
  name: string;
  port: number;
  generation: number;
}

export class BackendPool {
  private backends: Backend[] = [];
  private byPort = new Map<number, Backend>();
  private next = 0;

  /** Makes `targets` the instances to route to: new ones join, missing ones leave (drains resolve). */
  set(targets: BackendTarget[]): void {
    const keep = new Map<number, Backend>();
    for (const t of targets) {
      const known = this.byPort.get(t.port);
      const backend =
        known !== undefined && known.name === t.name && known.generation === t.generation
          ? known
          : { name: t.name, port: t.port, generation: t.generation, inFlight: 0, tunnels: 0, draining: false };
      keep.set(t.port, backend);
    }
    for (const [port, gone] of this.byPort) {
      if (keep.get(port) !== gone) gone.idle?.(); // nothing more to wait for: it is not routed to
    }
    this.byPort = keep;
    this.backends = [...keep.values()];
  }

  /** The backend for the next request, not one of `exclude`; undefined when none can take it. */
  pick(exclude?: ReadonlySet<Backend>): Backend | undefined {
    const n = this.backends.length;
    let best: Backend | undefined;
    for (let k = 0; k < n; k++) {
      const b = this.backends[(this.next + k) % n]!;
      if (b.draining || exclude?.has(b)) continue;
      if (best === undefined || b.inFlight < best.inFlight) best = b;
    }
    this.next = n === 0 ? 0 : (this.next + 1) % n;
    return best;
  }

  /** A request to `b` is done. */
  done(b: Backend): void {
    b.inFlight -= 1;
    if (b.inFlight === 0 && b.idle) b.idle();
  }

  /** Whether any backend can take a request now. */
  available(): boolean {
    return this.backends.some((b) => !b.draining);
  }

  /** Stops sending requests to the backend on `port`; resolves when its requests in flight are done. */
  drain(port: number): Promise<void> {
    const b = this.byPort.get(port);
    if (b === undefined) return Promise.resolve();
    b.draining = true;
    if (b.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = b.idle;
      b.idle = () => {
        b.idle = undefined;
        before?.();
        resolve();
      };
    });
  }

  list(): readonly Backend[] {
    return this.backends;
  }
}
