// `dozen start`'s log attachment: the flags of the log store and the drains (--log-retention,
// --no-log-store, --drain), turned into logs/attach-logs.ts's options.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { attachLogs } from '../logs/attach-logs.js';
import { parseDrainList } from '../logs/drains/drain-url.js';
import { parseRetention } from '../logs/store/retention.js';
import { ensureStateDir } from '../platform/state-dir.js';
import type { Attachment } from './attachment.js';
import { flag } from './options.js';

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
    const logs = await attachLogs(supervisor, {
      store: opts.logStore ? { stateDir: ensureStateDir(ctx.stateRoot), retention } : undefined,
      drains,
      appName: basename(ctx.stateRoot),
    });
    ctx.logs = logs.feed; // the control API's `logs` reads it from now on
    return async () => {
      ctx.logs = undefined;
      await logs.detach();
    };
  };
}
