// `dozen start --router [HOST:]PORT`: the router in front of the web instances. Loaded only when
// asked for; it binds its port before anything is spawned, so a port in use stops the start.
import type { Command } from 'commander';
import { DozenError } from '../errors.js';
import type { Attachment } from './attachment.js';
import { flag } from './options.js';

export interface RouterStartOptions {
  router?: string;
  routerTimeout: string;
}

export const ROUTED_TYPES = ['web'];

export function addRouterStartOptions(cmd: Command): void {
  cmd
    .addOption(flag('--router <[host:]port>', 'an HTTP router on this port in front of the web instances (host: 127.0.0.1 unless given)'))
    .addOption(flag('--router-timeout <seconds>', 'the router answers 503 (H12) when an instance has not answered by then', '30'));
}

/** The router attachment for these options; attaches nothing without --router. */
export function routerAttachment(opts: RouterStartOptions, parseSeconds: (name: string, text: string) => number): Attachment {
  return async (supervisor, ctx) => {
    if (typeof opts.router !== 'string') return () => {};
    const { parseListenAddress } = await import('../router/listen-address.js');
    const { host, port } = parseListenAddress(opts.router);
    const timeoutMs = parseSeconds('--router-timeout', opts.routerTimeout);
    if (!ctx.app.procfile.entries.some((e) => ROUTED_TYPES.includes(e.name))) {
      throw new DozenError('usage', `--router: ${ctx.app.procfilePath} has no web process to route to`);
    }
    const { attachRouter } = await import('../router/router.js');
    const router = await attachRouter(supervisor, { host, port, timeoutMs, types: ROUTED_TYPES });
    ctx.router = { info: () => router.info(), types: new Set(ROUTED_TYPES) };
    return () => router.close();
  };
}
