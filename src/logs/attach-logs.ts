// What `dozen start` keeps of the output besides the terminal: the log store and the drains,
// attached to a running supervisor. Notices from either (lines not stored, a drain unreachable or
// dropping) are said through the supervisor: printed, stored and drained as dozen's lines.
import type { SupervisorHandle } from '../supervisor/handle.js';
import type { DrainTarget } from './drains/drain-url.js';
import { attachLogStore } from './store/attach-log-store.js';
import type { Retention } from './store/retention.js';

export interface LogsOptions {
  /** Where to store the lines (the app's state folder) and for how long; undefined: not stored. */
  store: { stateDir: string; retention: Retention } | undefined;
  drains: DrainTarget[];
  /** The app's name in the drains' messages. */
  appName: string;
}

/** Attaches the store and the drains; the returned function detaches them (drains first). */
export async function attachLogs(supervisor: SupervisorHandle, opts: LogsOptions): Promise<() => Promise<void>> {
  const store = opts.store ? attachLogStore(supervisor, opts.store) : undefined;
  // The drains (https, tls) are loaded only when there is one: most runs have none.
  const detachDrains =
    opts.drains.length === 0
      ? async () => undefined
      : (await import('./drains/attach-drains.js')).attachDrains(supervisor, opts.drains, {
          appName: opts.appName,
          onMessage: (text, level) => supervisor.say(level, text),
        });
  return async () => {
    await detachDrains(); // first: its last notices still go into the store
    await store?.detach();
  };
}
