// The dashboard's HTTP transport: the page and its assets, the formation's status, a live feed
// (server-sent events), log search, the releases, and the actions, each a POST. Everything goes
// through a DashboardSource (the control API, in this process or over its socket) and the
// ReleasesView the CLI injects; nothing here reaches the supervisor another way.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControlRequestError } from '../control/client.js';
import { ControlFailure } from '../control/control-failure.js';
import { DozenError } from '../errors.js';
import { ownHosts, presentedToken, sameOrigin, tokenCookie, tokenMatches } from './access.js';
import { PAGE_CSS } from './assets/page-css.js';
import { PAGE_HTML } from './assets/page-html.js';
import { PAGE_SCRIPT } from './assets/page-script.js';
import type { DashboardSource, ReleasesView } from './dashboard-source.js';
import { createLiveFeed, pageStatus, type FeedMessage } from './live-feed.js';

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 64 * 1024;
/** Lines one search answers with: enough to read, few enough for the page to stay quick. */
export const SEARCH_LINES = 500;

export interface DashboardOptions {
  source: DashboardSource;
  releases?: ReleasesView;
  host?: string;
  /** 0: a free port the kernel picks. */
  port: number;
  /** Required on every request: newToken() (access.ts). */
  token: string;
}

export interface Dashboard {
  /** `http://127.0.0.1:P/?token=...`: what to open. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The token is in the first URL: never send it on.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
};

const ASSETS: Record<string, { type: string; body: string }> = {
  '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  '/dashboard.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const host = opts.host ?? DEFAULT_DASHBOARD_HOST;
  const feed = createLiveFeed(opts.source);
  let hosts: Set<string> | 'any' = new Set();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => answerError(res, err));
  });
  const streams = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method === 'POST' && !sameOrigin(req, hosts)) throw new HttpError(403, 'this action must come from the dashboard page itself');
    const token = presentedToken(req, url);
    if (!tokenMatches(opts.token, token)) throw new HttpError(401, 'open the address dozen printed (it carries the token)');
    if (req.method === 'GET' || req.method === 'HEAD') return get(url, res, url.searchParams.has('token') && token !== undefined ? token : undefined);
    if (req.method !== 'POST') throw new HttpError(405, `${req.method ?? '?'} is not served here`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'expected a JSON body');
    const body = await readJson(req);
    const result = await act(url.pathname, body);
    feed.refresh();
    json(res, 200, result);
  };

  const get = async (url: URL, res: ServerResponse, fromQuery: string | undefined): Promise<void> => {
    const asset = ASSETS[url.pathname];
    if (asset) return send(res, 200, asset.type, asset.body);
    switch (url.pathname) {
      case '/':
        // The token leaves the address bar (and the history) for a cookie only this site gets.
        if (fromQuery !== undefined) {
          res.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Set-Cookie': tokenCookie(fromQuery) });
          return void res.end();
        }
        return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case '/api/status':
        return json(res, 200, pageStatus(await opts.source.status()));
      case '/api/releases':
        return json(res, 200, { releases: opts.releases ? opts.releases.list() : null });
      case '/api/logs':
        return json(res, 200, await searchLogs(url.searchParams));
      case '/api/events':
        return stream(res);
      default:
        throw new HttpError(404, `nothing at ${url.pathname}`);
    }
  };

  const searchLogs = async (params: URLSearchParams) => {
    const search = params.get('search') ?? '';
    const ps = params.get('ps') ?? '';
    const { lines } = await opts.source.logs({ num: String(SEARCH_LINES), ...(search.trim() ? { search } : {}), ...(ps ? { ps } : {}) });
    return { lines: lines.map((l) => ({ at: Math.floor(l.tsUs / 1000), instance: l.instance, stream: l.stream, text: l.text })) };
  };

  const stream = async (res: ServerResponse): Promise<void> => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': dozen\n\n');
    streams.add(res);
    const leave = await feed.join((message: FeedMessage) => res.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`));
    res.on('close', () => {
      streams.delete(res);
      leave();
    });
  };

  const act = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    switch (path) {
      case '/api/restart':
        return opts.source.restart(patterns(body));
      case '/api/stop':
        return opts.source.stop(patterns(body));
      case '/api/scale': {
        if (typeof body.formation !== 'string' || !/^[\w-]+=\d+$/.test(body.formation)) throw new HttpError(400, 'expected {"formation": "TYPE=N"}');
        return opts.source.scale(body.formation);
      }
      case '/api/rollback': {
        if (!opts.releases) throw new HttpError(409, 'this dozen runs a working tree, not releases (dozen start --release runs them)');
        if (typeof body.version !== 'number' || !Number.isInteger(body.version) || body.version < 1) throw new HttpError(400, 'expected {"version": N}');
        return { lines: await opts.releases.rollback(body.version) };
      }
      default:
        throw new HttpError(404, `no action at ${path}`);
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = ownHosts(host, port);
  // On every address, the loopback's name is the one to open here.
  const shown = host === '0.0.0.0' ? DEFAULT_DASHBOARD_HOST : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${opts.token}`,
    port,
    async close() {
      feed.close();
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function patterns(body: Record<string, unknown>): string[] {
  const list = body.patterns;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p !== '')) {
    throw new HttpError(400, 'expected {"patterns": ["web.1", ...]}');
  }
  return list as string[];
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'the body is too large');
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Expected failures as JSON with one line; the control API's refusals as 409 (400 for bad input). */
function answerError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  if (err instanceof HttpError) return json(res, err.status, { error: err.message });
  if (err instanceof ControlFailure || err instanceof ControlRequestError) {
    return json(res, err.code === 'bad-request' || err.code === 'formation' ? 400 : 409, { error: err.message });
  }
  if (err instanceof DozenError) return json(res, 409, { error: err.oneLine() });
  json(res, 500, { error: err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err) });
}
