// Real receivers for the drain tests, strict about the wire format: RFC 6587 octet counting
// around RFC 5424 messages, over TCP, TLS and HTTPS (Logplex headers).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

export interface Syslog5424 {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: string;
  msg: string;
}

// RFC 5424 section 6: HEADER SP STRUCTURED-DATA [SP MSG]; header fields are PRINTUSASCII (33..126)
// with maximum lengths; TIMESTAMP is RFC 3339 with at most 6 fraction digits.
const FIELD = (max: number) => `([\\x21-\\x7e]{1,${max}})`;
const TIMESTAMP = '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2}))';
const RFC5424 = new RegExp(`^<(\\d{1,3})>1 ${TIMESTAMP} ${FIELD(255)} ${FIELD(48)} ${FIELD(128)} ${FIELD(32)} (-|(?:\\[[^\\]]*\\])+)(?: ([\\s\\S]*))?$`);

export function parse5424(message: string): Syslog5424 {
  const m = RFC5424.exec(message);
  assert.ok(m, `not an RFC 5424 message: ${JSON.stringify(message)}`);
  const pri = Number(m[1]);
  assert.ok(pri >= 0 && pri <= 191, `PRI out of range: ${pri}`);
  assert.ok(!Number.isNaN(Date.parse(m[2] as string)), `bad timestamp ${m[2]}`);
  return { pri, timestamp: m[2] as string, hostname: m[3] as string, appName: m[4] as string, procId: m[5] as string, msgId: m[6] as string, sd: m[7] as string, msg: m[8] ?? '' };
}

/**
 * Splits an RFC 6587 octet-counted stream: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN = NONZERO-DIGIT
 * *DIGIT, the length in bytes. Returns the messages and the unconsumed rest.
 */
export function parseOctetFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, at);
    if (sp === -1) break;
    const len = buf.subarray(at, sp).toString('latin1');
    assert.match(len, /^[1-9]\d{0,8}$/, `bad MSG-LEN ${JSON.stringify(len)} at byte ${at}`);
    const end = sp + 1 + Number(len);
    if (end > buf.length) break;
    messages.push(buf.subarray(sp + 1, end).toString('utf8'));
    at = end;
  }
  return { messages, rest: buf.subarray(at) };
}

/** A TCP (or TLS) syslog receiver that collects parsed messages; can stop and restart on its port. */
export class SyslogReceiver {
  readonly messages: Syslog5424[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private listeners = new Set<() => void>();
  port = 0;
  /** Connections that got through (for TLS: the handshake too). */
  connections = 0;
  /** TCP connections accepted, whatever became of them: a drain's attempts, refused ones too. */
  attempts = 0;

  constructor(private readonly tls?: { key: string; cert: string }) {}

  async start(port = 0): Promise<number> {
    const onSocket = (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      let buf: Buffer = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const { messages, rest } = parseOctetFrames(buf);
        buf = rest;
        for (const m of messages) this.messages.push(parse5424(m));
        if (messages.length > 0) for (const l of this.listeners) l();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    };
    this.server = this.tls ? createTlsServer(this.tls, onSocket) : createNetServer(onSocket);
    const server = this.server;
    server.on('connection', () => this.attempts++);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** Goes away: stops listening and cuts every connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `n` messages arrived; rejects after the bound with what did. */
  waitFor(n: number, timeoutMs = 15_000): Promise<Syslog5424[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.messages.length >= n) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve(this.messages.slice(0, n));
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`only ${this.messages.length} of ${n} messages after ${timeoutMs} ms: ${this.messages.slice(-3).map((m) => m.msg).join(' | ')}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}

export interface HttpsRequestSeen {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  frames: Syslog5424[];
  status: number;
}

/** An HTTPS Logplex endpoint: records every request; `respond` picks the status of each. */
export class HttpsReceiver {
  readonly requests: HttpsRequestSeen[] = [];
  respond: (n: number) => number = () => 200;
  private server: HttpsServer | undefined;
  private listeners = new Set<() => void>();
  port = 0;

  constructor(private readonly tls: { key: string; cert: string }) {}

  async start(): Promise<number> {
    const server = createHttpsServer(this.tls, (req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const { messages, rest } = parseOctetFrames(Buffer.concat(parts));
        assert.equal(rest.length, 0, 'the body is whole frames');
        const status = this.respond(this.requests.length);
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, frames: messages.map(parse5424), status });
        res.writeHead(status).end();
        for (const l of this.listeners) l();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Frames accepted (2xx) so far. */
  accepted(): Syslog5424[] {
    return this.requests.filter((r) => r.status < 300).flatMap((r) => r.frames);
  }

  waitUntil(done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        const seen = this.requests.map((r) => `${r.status} (${r.frames.length} frames)`).join(', ') || 'none';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; requests answered: ${seen}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}

/**
 * A throwaway self-signed certificate for 127.0.0.1/localhost, made with openssl at test time (no
 * key is committed). Undefined when openssl is missing.
 */
export function selfSignedCert(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore', timeout: 20_000 },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
