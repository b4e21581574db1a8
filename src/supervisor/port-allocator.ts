// Where an instance listens. The first generation of `web.1` gets the formation's formula port
// (base + 100 × type + n − 1, set in its spec by the formation expansion); a surge replacement
// runs beside the old generation, so it needs a port of its own: one the kernel says is free and
// that no slot of this formation holds (a stopped instance keeps its port for its restart).
import { DozenError } from '../errors.js';
import { kernelFreePort, type FreePort } from '../platform/free-port.js';

export interface PortAllocator {
  /** A free port that is not in `held`. Rejects with DozenError('internal') when none is found. */
  surgePort(held: ReadonlySet<number>): Promise<number>;
}

const ATTEMPTS = 20;

/**
 * `reserved`: ports the formation may hand out later (its formula's range: a scale up takes the
 * next formula port), so a surge replacement never sits on one.
 */
export function portAllocator(freePort: FreePort = kernelFreePort, reserved: (port: number) => boolean = () => false): PortAllocator {
  return {
    async surgePort(held) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const port = await freePort();
        if (!held.has(port) && !reserved(port)) return port;
      }
      throw new DozenError('internal', `found no free port for a surge replacement in ${ATTEMPTS} tries`);
    },
  };
}

/** The spec with another port: PORT in its environment follows. */
export function withPort<S extends { port: number | undefined; env: Record<string, string> }>(spec: S, port: number | undefined): S {
  if (port === spec.port) return spec;
  const env = { ...spec.env };
  if (port === undefined) delete env.PORT;
  else env.PORT = String(port);
  return { ...spec, port, env };
}
