// What `dozen start` keeps of the output besides the terminal: the log store and the drains,
// attached to a running supervisor. Notices from either (lines not stored, a drain unreachable or
// dropping) are said through the supervisor: printed, stored and drained as dozen's lines.
import type { SupervisorHandle } from '../supervisor/handle.js';
import type { DrainTarget } from './drains/drain-url.js';
import { attachLogStore } from './store/attach-log-store.js';
import type { Retention } from './store/retention.js';
import { storeFeed, type StoreFeed } from './store/store-feed.js';

export interface LogsOptions {
  /** Where to store the lines (the app's state folder) and for how long; undefined: not stored. */
  store: { stateDir: string; retention: Retention } | undefined;
  drains: DrainTarget[];
  /** The app's name in the drains' messages. */
  appName: string;
}

export interface AttachedLogs {
  /** The store as dozen's own clients read it (the control API's `logs`); undefined without a store. */
  feed: StoreFeed | undefined;
  /** Detaches the drains, then the store. */
  detach(): Promise<void>;
}

/** Attaches the store and the drains. */
export async function attachLogs(supervisor: SupervisorHandle, opts: LogsOptions): Promise<AttachedLogs> {
  const store = opts.store ? attachLogStore(supervisor, opts.store) : undefined;
  const feed = store && opts.store ? storeFeed(opts.store.stateDir, store) : undefined;
  // The drains (https, tls) are loaded only when there is one: most runs have none.
  const detachDrains =
    opts.drains.length === 0
      ? async () => undefined
      : (await import('./drains/attach-drains.js')).attachDrains(supervisor, opts.drains, {
          appName: opts.appName,
          onMessage: (text, level) => supervisor.say(level, text),
        });
  return {
    feed,
    async detach() {
      await detachDrains(); // first: its last notices still go into the store
      await store?.detach();
      feed?.close();
    },
  };
}
