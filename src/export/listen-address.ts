// `[HOST:]PORT`, as `--listen` takes it: the address a front server (nginx) accepts requests on.
import { DozenError } from '../errors.js';
import { parsePort } from '../formation/base-port.js';

export interface ListenAddress {
  /** An IPv4 address, a host name, or an IPv6 address in brackets; undefined: every address. */
  host: string | undefined;
  port: number;
}

/** `80`, `127.0.0.1:8080`, `[::]:80`, `localhost:8080`; anything else is a usage error. */
export function parseListenAddress(text: string, what = '--listen'): ListenAddress {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):)?([^:]*)$/.exec(text.trim());
  if (!match) {
    throw new DozenError('usage', `${what}: expected [HOST:]PORT (80, 127.0.0.1:8080, [::]:80), got ${JSON.stringify(text)}.`);
  }
  return { host: match[1], port: parsePort(match[2] ?? '', 'usage', what) };
}

/** Back to `[HOST:]PORT`, the form nginx's `listen` takes. */
export function formatListenAddress(address: ListenAddress): string {
  return address.host === undefined ? String(address.port) : `${address.host}:${address.port}`;
}
