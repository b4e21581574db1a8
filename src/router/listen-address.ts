// `--router [HOST:]PORT`: where the router listens. 127.0.0.1 unless a host is given (a router on
// every address is a choice to make out loud: `--router 0.0.0.0:8080`).
import { DozenError } from '../errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_ROUTER_HOST = '127.0.0.1';

export function parseListenAddress(text: string, name = '--router'): ListenAddress {
  const t = text.trim();
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]:|([^:\s[\]]+):)?(\d{1,5})$/.exec(t);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new DozenError('usage', `${name}: expected [HOST:]PORT (8080, 127.0.0.1:8080, [::1]:8080), got "${text}"`);
  }
  return { host: m[1] ?? m[2] ?? DEFAULT_ROUTER_HOST, port };
}
