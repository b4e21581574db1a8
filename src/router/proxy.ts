// The router's HTTP/1.1 reverse proxy: one listening port in front of the web instances (Node's
// http server; undici's pools to the instances, which cost about 30% less per request than Node's
// http client: bench/router-prototypes.md). Bodies
// stream both ways (pipe, with backpressure: nothing is buffered whole), connections to clients
// and to instances are kept alive, Upgrade (WebSocket) is tunnelled. Failures answer as Heroku's
// router does (H12, H13, H14...), and a request is retried on another instance only when it
// cannot have reached the first (a refused connect, before any byte of it was sent).
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { BackendPool, type Backend } from './backend-pool.js';
import { errorPage } from './error-page.js';
import { requestHeaders, requestIdFor, responseHeaders, type Forwarding } from './headers.js';
import { formatRequestLine, type RequestRecord, type RouterErrorCode } from './request-log.js';
import { RouterStats } from './router-stats.js';

/** At most this many requests wait for an instance that is booting; more get H11. */
const MAX_WAITING = 1024;
/** Idle connections to instances close after this long (a server's hint, if shorter, wins). */
const UPSTREAM_IDLE_MS = 4_000;
/** Idle client connections close after this long (Heroku's router: 55 s). */
const CLIENT_IDLE_MS = 55_000;

/** Methods a request of which may be sent again (RFC 9110 §9.2.2): a reused connection reset before any answer. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface ProxyOptions {
  /** No response within this long: 503 H12. */
  timeoutMs: number;
  /** Each request's log line (one line, no newline). */
  log: (line: string) => void;
  /** Whether an instance is on its way up: then a request with no instance to take it waits (H20 after timeoutMs) instead of H14. */
  booting: () => boolean;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  startedAt: number;
  requestId: string;
  forwarding: Forwarding;
  hasBody: boolean;
  tried: Set<Backend>;
  backend?: Backend;
  connectMs: number;
  done: boolean;
  /** Sent again once already (a kept-alive connection that was reset): never twice. */
  retried: boolean;
  bytes: number;
  waitTimer?: NodeJS.Timeout;
}

export class Proxy {
  readonly pool = new BackendPool();
  readonly stats = new RouterStats();
  private readonly upstreams = new Map<number, Pool>();
  private readonly server: Server;
  private readonly waiting: Exchange[] = [];
  private port = 0;

  constructor(private readonly opts: ProxyOptions) {
    this.server = createServer({ keepAliveTimeout: CLIENT_IDLE_MS, headersTimeout: 60_000, requestTimeout: 0 }, (req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    // A client that sends garbage gets 400 and its connection closed, never an exception.
    this.server.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Listens on host:port; rejects with the listen error (EADDRINUSE...). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.port = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.port);
      });
    });
  }

  /** Instances changed: requests waiting for one go now; connections to instances gone are closed. */
  refreshed(): void {
    const routed = new Set(this.pool.list().map((b) => b.port));
    for (const port of this.upstreams.keys()) if (!routed.has(port)) this.closeIdle(port);
    while (this.waiting.length > 0 && this.pool.available()) {
      const x = this.waiting.shift()!;
      clearTimeout(x.waitTimer);
      this.dispatch(x);
    }
    if (this.waiting.length > 0 && !this.opts.booting()) {
      for (const x of this.waiting.splice(0)) {
        clearTimeout(x.waitTimer);
        this.fail(x, 'H14', 503);
      }
    }
  }

  /** Closes the connections to an instance (after its drain: it is about to be stopped). */
  closeIdle(port: number): void {
    const pool = this.upstreams.get(port);
    this.upstreams.delete(port);
    pool?.close().catch(() => {});
  }

  /** Stops accepting connections and closes the idle ones; requests in flight go on. */
  stopListening(): void {
    this.server.close();
    this.server.closeIdleConnections();
  }

  /** Closes everything at once. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const x of this.waiting.splice(0)) clearTimeout(x.waitTimer);
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const pool of this.upstreams.values()) pool.destroy().catch(() => {});
      this.upstreams.clear();
    });
  }

  // ---- requests -----------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = Date.now();
    const requestId = requestIdFor(single(req.headers['x-request-id']));
    const x: Exchange = {
      req,
      res,
      startedAt: performance.now(),
      requestId,
      forwarding: { requestId, clientAddress: req.socket.remoteAddress ?? '', port: this.port, receivedAt },
      hasBody: req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0'),
      tried: new Set(),
      connectMs: 0,
      done: false,
      retried: false,
      bytes: 0,
    };
    // The client hung up before its answer was complete.
    res.once('close', () => {
      if (!x.done) this.finish(x, 499, 'H27');
    });
    this.dispatch(x);
  }

  /** Sends the exchange to the next instance, or waits for one, or fails it. */
  private dispatch(x: Exchange): void {
    if (x.done) return;
    const backend = this.pool.pick(x.tried);
    if (backend !== undefined) return this.forward(x, backend);
    if (x.tried.size > 0) return this.fail(x, 'H21', 503); // every instance refused it
    if (!this.opts.booting()) return this.fail(x, 'H14', 503);
    if (this.waiting.length >= MAX_WAITING) return this.fail(x, 'H11', 503);
    this.waiting.push(x);
    x.waitTimer = setTimeout(() => {
      const at = this.waiting.indexOf(x);
      if (at >= 0) this.waiting.splice(at, 1);
      this.fail(x, 'H20', 503);
    }, Math.max(0, this.opts.timeoutMs - (performance.now() - x.startedAt)));
  }

  private forward(x: Exchange, backend: Backend): void {
    const { req, res } = x;
    x.backend = backend;
    backend.inFlight += 1;
    const sentAt = performance.now();
    let released = false;
    let abort: ((err?: Error) => void) | undefined;
    let answered = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      res.off('close', onClientGone);
      this.pool.done(backend);
    };
    const timer = setTimeout(() => {
      release();
      if (!res.headersSent) this.fail(x, 'H12', 503, this.opts.timeoutMs);
      abort?.(new Error('router timeout'));
    }, Math.max(0, this.opts.timeoutMs - (performance.now() - x.startedAt)));
    // The client hung up: the request to the instance is cancelled (its line says H27).
    const onClientGone = () => {
      if (res.writableFinished) return;
      release();
      abort?.(new Error('client gone'));
    };
    res.once('close', onClientGone);

    this.upstream(backend.port).dispatch(
      {
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        path: req.url ?? '/',
        headers: requestHeaders(req.rawHeaders, x.forwarding),
        // Read by undici once the connection is up: a refused connect leaves it unread.
        body: x.hasBody ? req : null,
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      {
        onConnect: (abortRequest) => {
          abort = abortRequest;
          x.connectMs = performance.now() - sentAt;
          if (x.done) abortRequest(new Error('client gone'));
        },
        onHeaders: (statusCode, rawHeaders, resume, statusText) => {
          if (statusCode < 200) return true; // 1xx: Node's server answers Expect itself
          answered = true;
          clearTimeout(timer);
          if (x.done) return false;
          res.writeHead(statusCode, statusText, responseHeaders(latin1(rawHeaders)));
          res.once('finish', () => this.finish(x, statusCode));
          res.on('drain', resume);
          return true;
        },
        onData: (chunk) => {
          x.bytes += chunk.length;
          // false pauses the instance's connection until the client has taken what it has.
          return res.write(chunk);
        },
        onComplete: () => {
          release();
          res.end();
        },
        onError: (err: NodeJS.ErrnoException) => {
          release();
          if (x.done) return;
          if (answered || res.headersSent) {
            // The instance went away in the middle of its answer: the client's connection is cut.
            this.finish(x, res.statusCode, 'H18');
            res.destroy();
            return;
          }
          // Never reached the instance: refused before a byte was sent, or a kept-alive connection
          // the instance had closed, reset before any answer, for a request that may be sent again.
          const refused = err.code === 'ECONNREFUSED';
          const stale = (err.code === 'UND_ERR_SOCKET' || err.code === 'ECONNRESET' || err.code === 'EPIPE') && !x.hasBody && IDEMPOTENT.has(req.method ?? '') && !x.retried;
          if (refused || stale) {
            if (refused) x.tried.add(backend);
            else x.retried = true;
            x.connectMs = 0;
            return this.dispatch(x);
          }
          this.fail(x, 'H13', 503);
        },
      },
    );
  }

  /** The connection pool to the instance on `port` (kept-alive connections, as many as needed). */
  private upstream(port: number): Pool {
    let pool = this.upstreams.get(port);
    if (pool === undefined) {
      pool = new Pool(`http://127.0.0.1:${port}`, { pipelining: 1, keepAliveTimeout: UPSTREAM_IDLE_MS, keepAliveMaxTimeout: 60_000, connect: { timeout: 5_000 } });
      this.upstreams.set(port, pool);
    }
    return pool;
  }

  /** Answers with the router's error page (a 503 carrying Heroku's code) and logs it. */
  private fail(x: Exchange, code: RouterErrorCode, status: number, serviceMs?: number): void {
    if (x.done) return;
    const { res } = x;
    if (!res.headersSent && !res.destroyed) {
      const body = errorPage(code, x.requestId);
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Request-ID': x.requestId });
      res.end(x.req.method === 'HEAD' ? undefined : body);
      x.bytes = Buffer.byteLength(body);
      // The request's body, if any, is not read: the connection cannot be reused after it.
      if (x.hasBody && !x.req.complete) res.shouldKeepAlive = false;
    }
    this.finish(x, status, code, serviceMs);
  }

  private finish(x: Exchange, status: number, code?: RouterErrorCode, serviceMs?: number): void {
    if (x.done) return;
    x.done = true;
    const elapsed = performance.now() - x.startedAt;
    const service = serviceMs ?? Math.max(0, elapsed - x.connectMs);
    const record: RequestRecord = {
      method: x.req.method ?? '',
      path: x.req.url ?? '',
      host: single(x.req.headers.host) ?? '',
      requestId: x.requestId,
      fwd: forwardedFor(x.req, x.forwarding.clientAddress),
      dyno: x.backend?.name,
      connectMs: x.connectMs,
      serviceMs: service,
      status,
      bytes: x.bytes,
      ...(code !== undefined ? { code } : {}),
    };
    this.stats.record(x.backend?.name, status, elapsed, code, Date.now());
    this.opts.log(formatRequestLine(record));
  }

  // ---- upgrades (WebSocket) -----------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const startedAt = performance.now();
    const receivedAt = Date.now();
    const requestId = requestIdFor(single(req.headers['x-request-id']));
    const forwarding: Forwarding = { requestId, clientAddress: socket.remoteAddress ?? '', port: this.port, receivedAt };
    const backend = this.pool.pick();
    const log = (status: number, code?: RouterErrorCode, bytes = 0) => {
      const elapsed = performance.now() - startedAt;
      this.stats.record(backend?.name, status, elapsed, code, Date.now());
      this.opts.log(
        formatRequestLine({
          method: req.method ?? '',
          path: req.url ?? '',
          host: single(req.headers.host) ?? '',
          requestId,
          fwd: forwardedFor(req, forwarding.clientAddress),
          dyno: backend?.name,
          connectMs: 0,
          serviceMs: elapsed,
          status,
          bytes,
          ...(code !== undefined ? { code } : {}),
        }),
      );
    };
    socket.on('error', () => socket.destroy());
    if (backend === undefined) {
      const body = errorPage('H14', requestId);
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return log(503, 'H14', Buffer.byteLength(body));
    }
    backend.tunnels += 1;
    let closed = false;
    const closeTunnel = () => {
      if (closed) return;
      closed = true;
      backend.tunnels -= 1;
    };
    const proxyReq = httpRequest({
      host: '127.0.0.1',
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: requestHeaders(req.rawHeaders, forwarding, true),
      setHost: false,
      agent: false,
    });
    proxyReq.once('upgrade', (pres: IncomingMessage, upstream: Socket, upstreamHead: Buffer) => {
      socket.write(rawHead(pres));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstream.write(head);
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => {
        upstream.destroy();
        closeTunnel();
      });
      upstream.on('close', () => {
        socket.destroy();
        closeTunnel();
      });
      upstream.pipe(socket);
      socket.pipe(upstream);
      log(pres.statusCode ?? 101);
    });
    // The instance declined the upgrade: its answer goes back as it is, and the connection closes.
    proxyReq.once('response', (pres: IncomingMessage) => {
      socket.write(rawHead(pres, true));
      pres.pipe(socket);
      pres.once('end', () => closeTunnel());
      log(pres.statusCode ?? 502);
    });
    proxyReq.once('error', () => {
      closeTunnel();
      const body = errorPage('H13', requestId);
      if (socket.writable) socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      log(503, 'H13', Buffer.byteLength(body));
    });
    proxyReq.end();
  }
}

/** An answer's status line and fields, as raw bytes for a socket the router took over. */
function rawHead(pres: IncomingMessage, close = false): string {
  const lines = [`HTTP/1.1 ${pres.statusCode ?? 502} ${pres.statusMessage ?? ''}`];
  const raw = close ? responseHeaders(pres.rawHeaders) : pres.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]!}: ${raw[i + 1]!}`);
  if (close) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** undici gives the raw fields as Buffers; HTTP fields are latin1. */
function latin1(raw: Buffer[]): string[] {
  const out = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]!.toString('latin1');
  return out;
}

/** The X-Forwarded-For chain the instance got (Heroku's `fwd`): the incoming one, then the client. */
function forwardedFor(req: IncomingMessage, client: string): string {
  const incoming = req.headers['x-forwarded-for'];
  return incoming === undefined ? client : `${Array.isArray(incoming) ? incoming.join(', ') : incoming}, ${client}`;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
