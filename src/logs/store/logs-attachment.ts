// `dozen start`'s log attachment: the log store and the drains, with their flags
// (--log-retention, --no-log-store, --drain). Notices from either (lines not stored, a drain
// unreachable or dropping) are said through the supervisor: printed, stored and drained as
// dozen's lines.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ensureStateDir } from '../../platform/state-dir.js';
import type { Attachment } from '../../cli/attachment.js';
import { flag } from '../../cli/options.js';
import { parseDrainList } from '../drains/drain-url.js';
import { attachLogStore } from './attach-log-store.js';
import { parseRetention } from './retention.js';

export interface LogsStartOptions {
  drain?: string[];
  logRetention?: string;
  logStore: boolean;
}

export function addLogsStartOptions(cmd: Command): Command {
  return (
    cmd
      // Repeatable; DOZEN_DRAIN (as every flag) and DOZEN_DRAINS both take a comma-separated list.
      .addOption(
        flag('--drain <url>', 'also send every line to syslog://host:port, syslog+tls://host:port or https://[user:pass@]host/path (repeatable; DOZEN_DRAINS=url,url)')
          .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
      )
      .addOption(flag('--log-retention <spec>', 'how long and how many lines the log store keeps, e.g. 7d,1000000 (the default), 2d, 500000'))
      .addOption(flag('--no-log-store', 'do not store lines for dozen logs'))
  );
}

/** Validates the flags now (a bad one stops the start before anything runs), attaches later. */
export function logsAttachment(opts: LogsStartOptions, env: NodeJS.ProcessEnv = process.env): Attachment {
  const retention = parseRetention(opts.logRetention);
  const drains = parseDrainList(opts.drain ?? [], env.DOZEN_DRAINS);
  return async (supervisor, ctx) => {
    const store = opts.logStore ? attachLogStore(supervisor, { stateDir: ensureStateDir(ctx.app.root), retention }) : undefined;
    // The drains (https, tls) are loaded only when there is one: most runs have none.
    const detachDrains =
      drains.length === 0
        ? async () => undefined
        : (await import('../drains/attach-drains.js')).attachDrains(supervisor, drains, {
            appName: basename(ctx.app.root),
            onMessage: (text, level) => supervisor.say(level, text),
          });
    return async () => {
      await detachDrains(); // first: its last notices still go into the store
      await store?.();
    };
  };
}
