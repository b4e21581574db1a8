// Real backends (node http servers on free ports) behind a real router, with a fake supervisor
// host whose status the test sets: what the router sees of the formation, nothing else faked.
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SupervisorEvent } from '../../src/supervisor/events.js';
import type { InstanceStatus } from '../../src/supervisor/handle.js';
import { attachRouter, type Router, type RouterHost } from '../../src/router/router.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, name: string) => void;

export interface TestBackend {
  name: string;
  port: number;
  server: Server;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

/** A real HTTP server answering with `handler` (default: its own name and the headers it got, as JSON). */
export async function backend(name: string, handler?: Handler): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  const b: TestBackend = {
    name,
    port: 0,
    connections: 0,
    requests: 0,
    server: createServer((req, res) => {
      b.requests += 1;
      if (handler) return handler(req, res, name);
      req.resume();
      req.once('end', () => res.end(JSON.stringify({ name, url: req.url, headers: req.rawHeaders })));
    }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        b.server.close(() => resolve());
      }),
  };
  b.server.on('connection', (s: Socket) => {
    b.connections += 1;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
  b.port = (b.server.address() as AddressInfo).port;
  return b;
}

export function row(name: string, port: number, over: Partial<InstanceStatus> = {}): InstanceStatus {
  const [type = 'web', index = '1'] = name.split('.');
  return {
    name,
    type,
    index: Number(index),
    state: 'running',
    pid: 1,
    port,
    ready: true,
    startedAt: Date.now(),
    restarts: 0,
    lastExit: undefined,
    generation: 1,
    release: undefined,
    role: 'member',
    ...over,
  };
}

export class FakeHost implements RouterHost {
  rows: InstanceStatus[] = [];
  readonly lines: string[] = [];
  readonly said: string[] = [];
  drainers: Array<Parameters<RouterHost['addDrainer']>[0]> = [];
  private listeners: Array<(e: SupervisorEvent) => void> = [];

  status = () => this.rows;
  subscribe = (l: (e: SupervisorEvent) => void) => {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  };
  addDrainer: RouterHost['addDrainer'] = (d) => {
    this.drainers.push(d);
    return () => (this.drainers = this.drainers.filter((x) => x !== d));
  };
  publish = (source: string, data: Buffer) => {
    for (const line of data.toString().split('\n')) if (line !== '') this.lines.push(`${source}: ${line}`);
  };
  say = (_level: string, text: string) => void this.said.push(text);

  /** Sets the formation's rows and tells the router (as a `ready` event would). */
  set(rows: InstanceStatus[]): void {
    this.rows = rows;
    for (const l of this.listeners) l({ type: 'ready', at: Date.now(), instance: rows[0]?.name ?? 'web.1', port: 0, afterMs: 0 });
  }

  drain(name: string, port: number, generation = 1): Promise<void[]> {
    return Promise.all(this.drainers.map((d) => d({ name, type: name.split('.')[0]!, port, generation })));
  }
}

export async function routerOver(backends: TestBackend[], opts: { timeoutMs?: number } = {}): Promise<{ host: FakeHost; router: Router; url: string; port: number }> {
  const host = new FakeHost();
  host.rows = backends.map((b) => row(b.name, b.port));
  const router = await attachRouter(host, { host: '127.0.0.1', port: 0, timeoutMs: opts.timeoutMs ?? 5_000 });
  const port = Number(router.address.split(':').pop());
  return { host, router, url: `http://${router.address}`, port };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request; `headers` as a raw list or object. Rejects on a connection error. */
export function get(port: number, path = '/', opts: { method?: string; headers?: Record<string, string> | string[]; agent?: import('node:http').Agent | false; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Waits until `check` holds, polling; fails with what `seen` says. */
export async function eventually(check: () => boolean, what: string, seen: () => unknown, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms; seen: ${JSON.stringify(seen())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
