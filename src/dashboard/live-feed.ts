// What the page gets pushed: the formation's status every second (and soon after anything
// happens to an instance) and each line the processes print, from ONE subscription to the running
// dozen, fanned out to every open page. Only named fields are copied: nothing of the processes'
// environment can ride along.
import type { WireEvent } from '../control/client.js';
import type { StatusResult } from '../control/protocol.js';
import type { DashboardSource } from './dashboard-source.js';

export const STATUS_INTERVAL_MS = 1000;

export interface FeedLine {
  at: number;
  instance: string;
  stream: string;
  text: string;
}

export type FeedMessage = { type: 'status'; status: PageStatus } | { type: 'lines'; lines: FeedLine[] } | { type: 'dropped'; count: number };

export type PageStatus = ReturnType<typeof pageStatus>;

/** The status as the page shows it. */
export function pageStatus(s: StatusResult) {
  return {
    server: { pid: s.server.pid, version: s.server.version, phase: s.server.phase, startedAt: s.server.startedAt },
    instances: s.instances.map((i) => ({
      name: i.name,
      type: i.type,
      index: i.index,
      state: i.state,
      pid: i.pid,
      port: i.port,
      ready: i.ready,
      uptimeMs: i.uptimeMs,
      restarts: i.restarts,
      cpuPercent: i.cpuPercent,
      rssBytes: i.rssBytes,
      release: i.release ?? null,
      role: i.role ?? 'member',
      lastExit: i.lastExit === null ? null : i.lastExit.reason === 'exit-code' ? `code ${i.lastExit.code}` : i.lastExit.reason === 'signal' ? i.lastExit.signal : i.lastExit.reason,
    })),
    router: s.router
      ? { address: s.router.address, requests: s.router.requests, statusClasses: s.router.statusClasses, latency: s.router.latency, inFlight: s.router.inFlight, errors: s.router.errors }
      : null,
  };
}

/** The lines of one event, if it carries any (the apps' output, dozen's own messages). */
export function eventLines(event: WireEvent): FeedLine[] {
  if (event.type === 'output' && typeof event.data === 'string') {
    const instance = String(event.instance);
    const stream = String(event.stream);
    return event.data.replace(/\n$/, '').split('\n').map((text) => ({ at: event.at, instance, stream, text }));
  }
  if (event.type === 'message' && typeof event.text === 'string') {
    return [{ at: event.at, instance: 'dozen', stream: String(event.level), text: event.text }];
  }
  return [];
}

export interface LiveFeed {
  /** Adds a page; returns how to remove it. The first one starts the feed. */
  join(send: (message: FeedMessage) => void): Promise<() => void>;
  /** Pushes a fresh status soon (after an action). */
  refresh(): void;
  close(): void;
}

export function createLiveFeed(source: DashboardSource): LiveFeed {
  const pages = new Set<(message: FeedMessage) => void>();
  let unsubscribe: (() => void) | undefined;
  let starting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  let again = false;
  const broadcast = (message: FeedMessage) => {
    for (const send of pages) send(message);
  };
  // One status call at a time; a refresh asked while one runs is done right after it.
  const tick = async (): Promise<void> => {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      do {
        again = false;
        broadcast({ type: 'status', status: pageStatus(await source.status()) });
      } while (again);
    } catch {
      // dozen is stopping: the next tick (or the socket's end) says more.
    } finally {
      inFlight = false;
    }
  };
  const start = async () => {
    unsubscribe = await source.subscribe((event) => {
      const lines = eventLines(event);
      if (lines.length > 0) broadcast({ type: 'lines', lines });
      else if (event.type === 'dropped') broadcast({ type: 'dropped', count: Number(event.count) });
      else if (event.type !== 'output') void tick();
    });
    timer = setInterval(() => void tick(), STATUS_INTERVAL_MS);
  };
  return {
    async join(send) {
      pages.add(send);
      starting ??= start();
      await starting;
      void tick();
      return () => pages.delete(send);
    },
    refresh: () => void tick(),
    close() {
      if (timer) clearInterval(timer);
      unsubscribe?.();
      pages.clear();
    },
  };
}
