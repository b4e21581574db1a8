// What every prototype proxy shares, so that they differ only in how they proxy: the settings
// (from the environment), round-robin over the upstreams, the headers a router adds, and the
// access log, one line per request written once per event-loop turn. A measurement, not product code.
import { randomUUID } from 'node:crypto';
import { openSync, write } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface Upstream {
  host: string;
  port: number;
  /** `host:port`, as the log names it. */
  name: string;
}

export interface ProxySettings {
  port: number;
  upstreams: Upstream[];
  logPath: string;
}

/** PROXY_PORT, UPSTREAMS (`host:port,host:port`), ACCESS_LOG (a file). */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const port = Number(env.PROXY_PORT);
  if (!Number.isInteger(port) || port < 1) throw new Error(`PROXY_PORT: expected a port, got "${env.PROXY_PORT}"`);
  const upstreams = (env.UPSTREAMS ?? '').split(',').filter(Boolean).map((name) => {
    const [host, p] = name.split(':');
    if (!host || !p) throw new Error(`UPSTREAMS: expected host:port, got "${name}"`);
    return { host, port: Number(p), name };
  });
  if (upstreams.length === 0) throw new Error('UPSTREAMS: expected host:port,host:port');
  if (!env.ACCESS_LOG) throw new Error('ACCESS_LOG: expected a file');
  return { port, upstreams, logPath: env.ACCESS_LOG };
}

export function roundRobin<T>(items: T[]): () => T {
  let next = 0;
  return () => {
    const item = items[next]!;
    next = (next + 1) % items.length;
    return item;
  };
}

/** Request headers that are about one connection, not the request: never forwarded (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/** A request id the client sent that is worth keeping (Heroku keeps 20 to 200 characters of these). */
const GOOD_ID = /^[A-Za-z0-9+/=_-]{20,200}$/;

/** The headers a router adds: X-Forwarded-For/Proto/Port, X-Request-ID, X-Request-Start. */
export function forwardedHeaders(req: IncomingMessage, port: number): { id: string; add: Record<string, string> } {
  const h = req.headers;
  const remote = req.socket.remoteAddress ?? '';
  const sent = h['x-request-id'];
  const id = typeof sent === 'string' && GOOD_ID.test(sent) ? sent : randomUUID();
  return {
    id,
    add: {
      'x-forwarded-for': h['x-forwarded-for'] ? `${h['x-forwarded-for']}, ${remote}` : remote,
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(port),
      'x-request-id': id,
      'x-request-start': `t=${Date.now()}`,
    },
  };
}

/** The request's headers, minus hop-by-hop ones, plus the router's. */
export function upstreamHeaders(req: IncomingMessage, port: number): { id: string; headers: IncomingHttpHeaders } {
  const { id, add } = forwardedHeaders(req, port);
  const headers: IncomingHttpHeaders = {};
  for (const key in req.headers) if (!HOP_BY_HOP.has(key)) headers[key] = req.headers[key];
  return { id, headers: Object.assign(headers, add) };
}

/** Does the request have a body to stream upstream (HTTP/1.1: Content-Length or Transfer-Encoding)? */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Response headers as a flat [name, value, ...] list from `rawHeaders`, minus hop-by-hop ones. */
export function responseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** The access log: lines gathered during a turn of the event loop, written with one write. */
export class AccessLog {
  private readonly fd: number;
  private lines: string[] = [];
  private writing = false;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  line(req: IncomingMessage, status: number, upstream: Upstream, id: string, startedAt: number): void {
    const ms = (performance.now() - startedAt).toFixed(1);
    this.lines.push(`${new Date().toISOString()} method=${req.method} path="${req.url}" status=${status} upstream=${upstream.name} request_id=${id} service=${ms}ms\n`);
    if (this.lines.length === 1 && !this.writing) setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.writing = true;
    write(this.fd, text, (err) => {
      this.writing = false;
      if (err) throw err;
      if (this.lines.length > 0) setImmediate(() => this.flush());
    });
  }
}
