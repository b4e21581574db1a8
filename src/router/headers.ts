// What the router changes in a request's and a response's headers (RFC 9110 §7.6 for hop-by-hop
// fields; Heroku's router for the X-Request-ID and X-Forwarded-* fields). Headers travel as Node's
// raw lists ([name, value, name, value...]) so case, order and repeated fields (Set-Cookie) pass.
import { randomUUID } from 'node:crypto';

/** Fields that describe one connection, never forwarded (RFC 9110 §7.6.1, plus the legacy ones). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer', 'proxy-authenticate', 'proxy-authorization']);

/** Heroku keeps an incoming X-Request-ID of 20 to 200 characters from this set; else makes one. */
const VALID_REQUEST_ID = /^[A-Za-z0-9+=/-]{20,200}$/;

export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export interface Forwarding {
  requestId: string;
  /** The client's address as the router saw it. */
  clientAddress: string;
  /** The router's own port (X-Forwarded-Port). */
  port: number;
  /** When the router received the request (ms since the epoch). */
  receivedAt: number;
}

/** The names a Connection field lists: more hop-by-hop fields for this message. */
function connectionTokens(raw: string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1]!.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

// Expect: Node's server has answered `100-continue` already; the instance gets the body at once.
const OWN_REQUEST_FIELDS = new Set(['x-request-id', 'x-forwarded-proto', 'x-forwarded-port', 'x-request-start', 'expect']);
const NONE = new Set<string>();

/** The end-to-end fields of a message, and its Via and X-Forwarded-For chains joined. */
function endToEnd(raw: string[], alsoDrop: ReadonlySet<string>): { out: string[]; via?: string; forwardedFor?: string } {
  const listed = connectionTokens(raw);
  const out: string[] = [];
  let via: string | undefined;
  let forwardedFor: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'via') via = via === undefined ? value : `${via}, ${value}`;
    else if (lower === 'x-forwarded-for' && alsoDrop === OWN_REQUEST_FIELDS) forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
    else if (!HOP_BY_HOP.has(lower) && !alsoDrop.has(lower) && !listed?.has(lower)) out.push(name, value);
  }
  return { out, ...(via !== undefined ? { via } : {}), ...(forwardedFor !== undefined ? { forwardedFor } : {}) };
}

const ME = '1.1 dozen';

/**
 * The request's fields as sent to an instance: hop-by-hop ones dropped, Host kept, X-Forwarded-For
 * appended to, X-Forwarded-Proto/Port, X-Request-ID and X-Request-Start set by the router, Via
 * added. `upgrade`: keep Upgrade and `Connection: upgrade` (a WebSocket handshake).
 */
export function requestHeaders(raw: string[], f: Forwarding, upgrade = false): string[] {
  const { out, via, forwardedFor } = endToEnd(raw, OWN_REQUEST_FIELDS);
  out.push(
    'X-Forwarded-For', forwardedFor === undefined ? f.clientAddress : `${forwardedFor}, ${f.clientAddress}`,
    'X-Forwarded-Proto', 'http',
    'X-Forwarded-Port', String(f.port),
    'X-Request-Start', String(f.receivedAt),
    'X-Request-ID', f.requestId,
    'Via', via === undefined ? ME : `${via}, ${ME}`,
  );
  if (upgrade) out.push('Connection', 'upgrade', 'Upgrade', headerValue(raw, 'upgrade') ?? 'websocket');
  return out;
}

/** An instance's response fields as sent to the client: hop-by-hop ones dropped, Via added. */
export function responseHeaders(raw: string[]): string[] {
  const { out, via } = endToEnd(raw, NONE);
  out.push('Via', via === undefined ? ME : `${via}, ${ME}`);
  return out;
}

/** The first value of a field (case-insensitive), from a raw list. */
export function headerValue(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === lowerName) return raw[i + 1];
  return undefined;
}
