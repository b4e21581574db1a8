// Who may use the dashboard: whoever holds its token. A random 256-bit token, compared in
// constant time, on every request (the query's `token`, or the cookie the first page load sets);
// and for every action (a POST) an Origin and Host that are the dashboard's own, so that a page
// of another site open in the same browser can do nothing, even one on another port of 127.0.0.1
// (which counts as the same site for SameSite cookies).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'dozen_dashboard';

/** 32 random bytes (256 bits), URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant time in the content; the digests make the lengths equal too. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: `?token=` first, else the cookie. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

/** The cookie a page load with the token in its URL gets, so the token can leave the address bar. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The Host values this dashboard answers to: its own address, and localhost for 127.0.0.1 / ::1. */
export function ownHosts(host: string, port: number): Set<string> | 'any' {
  if (host === '0.0.0.0' || host === '::') return 'any';
  const hosts = new Set([`${host.includes(':') ? `[${host}]` : host}:${port}`]);
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') {
    for (const h of ['127.0.0.1', 'localhost', '[::1]']) hosts.add(`${h}:${port}`);
  }
  return hosts;
}

/**
 * Whether a POST comes from the dashboard's own page: a Host it answers to, and an Origin (which
 * browsers send with every POST) naming that same host. On every address (`0.0.0.0`), any Host
 * will do, but the Origin must still be the one the request was made to.
 */
export function sameOrigin(req: IncomingMessage, hosts: Set<string> | 'any'): boolean {
  const host = req.headers.host;
  if (host === undefined || (hosts !== 'any' && !hosts.has(host.toLowerCase()))) return false;
  return req.headers.origin?.toLowerCase() === `http://${host.toLowerCase()}`;
}
