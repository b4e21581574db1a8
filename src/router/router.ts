// The router attached to a running formation: it follows the supervisor's events to know which
// `web` instances are ready, drains an instance before the supervisor stops it (so a surge hands
// over with no request lost), and sends its request lines into the same stream as the apps'
// output, under the name `router`.
import { DozenError } from '../errors.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { InstanceStatus } from '../supervisor/handle.js';
import type { RouterInfo } from '../control/protocol.js';
import { Proxy } from './proxy.js';

export const ROUTER_SOURCE = 'router';

/** What the router needs of the supervisor (a SupervisorHandle has all of it). */
export interface RouterHost {
  status(): InstanceStatus[];
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  addDrainer(drain: (instance: { name: string; type: string; port: number | undefined; generation: number }) => Promise<void>): () => void;
  publish(source: string, data: Buffer): void;
  say(level: 'info' | 'warn' | 'error', text: string, instance?: string): void;
}

export interface RouterOptions {
  host: string;
  port: number;
  /** No answer within this long: H12. */
  timeoutMs: number;
  /** The process types it routes to. */
  types?: string[];
}

export interface Router {
  /** Where it listens (`127.0.0.1:8080`). */
  address: string;
  info(): RouterInfo;
  close(): Promise<void>;
}

/** Starts listening (throws DozenError when the port cannot be had) and follows the formation. */
export async function attachRouter(host: RouterHost, opts: RouterOptions): Promise<Router> {
  const types = new Set(opts.types ?? ['web']);
  let pending: string[] = [];
  const flush = () => {
    const lines = pending;
    pending = [];
    host.publish(ROUTER_SOURCE, Buffer.from(`${lines.join('\n')}\n`));
  };
  // Lines of one turn of the loop go out as one chunk: one event however many requests.
  const log = (line: string) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
  const routed = () => host.status().filter((s) => types.has(s.type));
  const proxy = new Proxy({
    timeoutMs: opts.timeoutMs,
    log,
    booting: () => routed().some((s) => s.state === 'starting' || s.state === 'pending' || s.state === 'backoff' || (s.state === 'running' && !s.ready)),
  });
  let port: number;
  try {
    port = await proxy.listen(opts.host, opts.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is already in use' : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : (err as Error).message;
    throw new DozenError('usage', `--router ${opts.host}:${opts.port}: cannot listen: ${why}`);
  }
  const address = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;

  const refresh = () => {
    proxy.pool.set(
      routed()
        .filter((s) => s.ready && s.state === 'running' && s.port !== undefined)
        .map((s) => ({ name: s.name, port: s.port as number, generation: s.generation })),
    );
    proxy.refreshed();
  };
  const unsubscribe = host.subscribe((event) => {
    switch (event.type) {
      case 'ready':
      case 'spawned':
      case 'stopping':
      case 'exited':
      case 'stopped':
      case 'restarting':
      case 'gave-up':
        refresh();
        break;
      case 'formation-stopping':
        proxy.stopListening();
        break;
      default:
    }
  });
  const removeDrainer = host.addDrainer(async (instance) => {
    if (!types.has(instance.type) || instance.port === undefined) return;
    await proxy.pool.drain(instance.port);
    proxy.closeIdle(instance.port);
  });
  refresh();
  host.say('info', `router listening on http://${address} for ${[...types].join(', ')}`);

  return {
    address,
    info(): RouterInfo {
      const now = Date.now();
      const snap = proxy.stats.snapshot(now);
      const backends = proxy.pool.list();
      const names = new Set([...backends.map((b) => b.name), ...snap.instances.keys()]);
      return {
        address,
        ...snap.total,
        errors: snap.errors,
        inFlight: backends.reduce((n, b) => n + b.inFlight, 0),
        instances: [...names].sort(byInstance).map((name) => {
          const own = backends.filter((b) => b.name === name);
          const counts = snap.instances.get(name) ?? { requests: 0, statusClasses: {}, latency: null };
          return {
            name,
            ports: own.map((b) => b.port),
            inFlight: own.reduce((n, b) => n + b.inFlight, 0),
            draining: own.some((b) => b.draining),
            ...counts,
          };
        }),
      };
    },
    async close() {
      unsubscribe();
      removeDrainer();
      if (pending.length > 0) flush();
      await proxy.close();
    },
  };
}

/** web.2 before web.10. */
function byInstance(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
