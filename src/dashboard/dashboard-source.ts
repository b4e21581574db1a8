// What the dashboard reads and does, whichever way it reaches the running dozen: the ControlApi
// object itself (`dozen start --dashboard`) or a client of its control socket (`dozen dashboard`).
// Both adapters are here; the HTTP server (dashboard-server.ts) knows only this interface.
import type { ControlApi } from '../control/api.js';
import type { ControlClient, WireEvent } from '../control/client.js';
import type { ActionResult, LogFilter, LogsResult, ScaleResult, StatusResult } from '../control/protocol.js';
import { toWire } from '../control/server.js';

export interface DashboardSource {
  status(): Promise<StatusResult>;
  restart(patterns: string[]): Promise<ActionResult>;
  stop(patterns: string[]): Promise<ActionResult>;
  scale(formation: string): Promise<ScaleResult>;
  logs(filter: LogFilter): Promise<LogsResult>;
  /** Every supervisor event (output `data` as text); resolves with the unsubscribe function. */
  subscribe(listener: (event: WireEvent) => void): Promise<() => void>;
}

/** A release as the dashboard lists it: never its config (the snapshot holds secrets). */
export interface ReleaseRow {
  version: number;
  description: string;
  commit: string;
  createdAt: string;
  status: string;
  current: boolean;
}

/** The app's releases, injected by the CLI (which knows the release store); absent: a working tree. */
export interface ReleasesView {
  list(): ReleaseRow[];
  /** What `dozen rollback vN` does; resolves with the lines it says. */
  rollback(version: number): Promise<string[]>;
}

/** In-process: the API the control socket serves, called directly. */
export function apiSource(api: ControlApi): DashboardSource {
  return {
    status: () => api.status(),
    restart: (patterns) => api.restart(patterns),
    stop: (patterns) => api.stop(patterns),
    scale: (formation) => api.scale(formation),
    logs: (filter) => api.logs(filter),
    subscribe: async (listener) => api.subscribe((event) => listener(toWire(event) as WireEvent)),
  };
}

/** Over the control socket: one connection for the calls and the event stream. */
export function clientSource(client: ControlClient): DashboardSource {
  return {
    status: () => client.call({ method: 'status' }),
    restart: (patterns) => client.call({ method: 'restart', params: { patterns } }),
    stop: (patterns) => client.call({ method: 'stop', params: { patterns } }),
    scale: (formation) => client.call({ method: 'scale', params: { formation } }),
    logs: (filter) => client.call({ method: 'logs', params: { filter } }),
    async subscribe(listener) {
      let on = true;
      await client.subscribe((event) => {
        if (on) listener(event);
      });
      // The protocol has no unsubscribe: the stream ends when the connection does.
      return () => {
        on = false;
      };
    },
  };
}
