// `dozen dashboard`: the web dashboard of the dozen running for the app, served from this
// process as one more client of its control socket. It runs until Ctrl-C or until that dozen stops.
import type { Command } from 'commander';
import { connectToApp } from '../../control/client.js';
import { controlSocketPath } from '../../control/socket-path.js';
import { DozenError } from '../../errors.js';
import { stateDirFor } from '../../platform/state-dir.js';
import { printDashboardAddress } from '../dashboard-attachment.js';
import { addAppOptions, flag, type AppCliOptions } from '../options.js';
import { controlRoot } from './control.js';

interface DashboardOptions extends AppCliOptions {
  host: string;
  port: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('dashboard')
    .description('serve a web page of the running formation: instances, charts, actions, logs, releases, the router')
    // Not DOZEN_PORT: that is the app's base port (`dozen start -p`), often set in the same shell.
    .addOption(flag('--port <port>', 'the port to listen on (default: a free one)', '0').env('DOZEN_DASHBOARD_PORT'))
    .addOption(flag('--host <host>', 'the address to listen on (0.0.0.0: every address)', '127.0.0.1').env('DOZEN_DASHBOARD_HOST'));
  addAppOptions(cmd).action((opts: DashboardOptions) => dashboard(opts));
}

async function dashboard(opts: DashboardOptions): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d{1,5}$/.test(opts.port) || port > 65535) throw new DozenError('usage', `--port: expected a port number (0: a free one), got "${opts.port}"`);
  const root = controlRoot(opts);
  const client = await connectToApp(root, controlSocketPath(stateDirFor(root)));
  const [{ startDashboard }, { clientSource }, { newToken }, { releasesView }] = await Promise.all([
    import('../../dashboard/dashboard-server.js'),
    import('../../dashboard/dashboard-source.js'),
    import('../../dashboard/access.js'),
    import('../dashboard-releases.js'),
  ]);
  let server;
  try {
    server = await startDashboard({ source: clientSource(client), releases: releasesView(root), host: opts.host, port, token: newToken() });
  } catch (err) {
    client.close();
    throw new DozenError('usage', `cannot serve the dashboard on ${opts.host}:${port}: ${(err as Error).message}`);
  }
  printDashboardAddress(server.url);
  let onSignal = (): void => undefined;
  const signalled = new Promise<void>((resolve) => {
    onSignal = () => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  const ended = await Promise.race([signalled.then(() => 'signal' as const), client.closed.then(() => 'dozen' as const)]);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await server.close();
  client.close();
  if (ended === 'dozen') process.stderr.write('dozen: the running dozen stopped; the dashboard is closed\n');
}
