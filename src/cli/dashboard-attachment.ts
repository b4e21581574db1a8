// `dozen start --dashboard [[HOST:]PORT]`: the dashboard served from the dozen process itself,
// over the same ControlApi object the control socket serves. Loaded only when asked for.
import type { Command } from 'commander';
import { DozenError } from '../errors.js';
import type { Attachment } from './attachment.js';
import { flag } from './options.js';

export interface DashboardStartOptions {
  /** true: the flag without a value (127.0.0.1, a free port). */
  dashboard?: boolean | string;
}

export function addDashboardStartOptions(cmd: Command): void {
  cmd.addOption(flag('--dashboard [[host:]port]', 'serve the web dashboard (host: 127.0.0.1 unless given; port: a free one unless given); prints its address with its token'));
}

/** Prints the address, token included, on stdout only: never to the log store or the drains. */
export function printDashboardAddress(url: string): void {
  process.stdout.write(`dozen dashboard: ${url}\n`);
}

export function dashboardAttachment(opts: DashboardStartOptions): Attachment {
  return async (_supervisor, ctx) => {
    if (opts.dashboard === undefined || opts.dashboard === false) return () => {};
    const api = ctx.control;
    if (!api) throw new DozenError('internal', 'the dashboard attaches after the control server');
    const { parseListenAddress } = await import('../router/listen-address.js');
    const { host, port } = typeof opts.dashboard === 'string' ? parseListenAddress(opts.dashboard, '--dashboard') : { host: '127.0.0.1', port: 0 };
    const [{ startDashboard }, { apiSource }, { newToken }, { releasesView }] = await Promise.all([
      import('../dashboard/dashboard-server.js'),
      import('../dashboard/dashboard-source.js'),
      import('../dashboard/access.js'),
      import('./dashboard-releases.js'),
    ]);
    const dashboard = await startDashboard({ source: apiSource(api), releases: releasesView(ctx.stateRoot), host, port, token: newToken() });
    printDashboardAddress(dashboard.url);
    return () => dashboard.close();
  };
}
