// The router over real backends and real sockets: balancing, headers, Heroku's failure codes,
// retries, keep-alive, pipelining, streaming and WebSocket tunnels, and the drain a surge needs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { freePort } from '../fixtures/harness.js';
import { backend, eventually, get, row, routerOver, type TestBackend } from './router-rig.js';

const T = { timeout: 20_000 };
const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const x of open.splice(0)) await x.close();
});
async function started(...names: string[]): Promise<TestBackend[]> {
  const bs = await Promise.all(names.map((n) => backend(n)));
  open.push(...bs);
  return bs;
}
async function over(bs: TestBackend[], opts: { timeoutMs?: number } = {}) {
  const r = await routerOver(bs, opts);
  open.push(r.router);
  return r;
}
const REQUEST_LINE = /^router: at=info method=(\S+) path="([^"]*)" host=(\S+) request_id=(\S+) fwd="([^"]*)" dyno=(\S+) connect=(\d+)ms service=(\d+)ms status=(\d+) bytes=(\d+) protocol=http$/;

describe('balancing', () => {
  test('spreads requests evenly over 3 ready instances, and only ready ones', T, async () => {
    const bs = await started('web.1', 'web.2', 'web.3');
    const { host, port } = await over(bs);
    const served: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const { body } = await get(port);
      const name = (JSON.parse(body) as { name: string }).name;
      served[name] = (served[name] ?? 0) + 1;
    }
    assert.deepEqual(served, { 'web.1': 10, 'web.2': 10, 'web.3': 10 });
    // web.3 no longer ready (stopping, crashed): no request reaches it.
    host.set([row('web.1', bs[0]!.port), row('web.2', bs[1]!.port), row('web.3', bs[2]!.port, { ready: false, state: 'stopping' })]);
    const before = bs[2]!.requests;
    for (let i = 0; i < 10; i++) await get(port);
    assert.equal(bs[2]!.requests, before);
  });

  test('the least busy instance gets the next request', T, async () => {
    let release: () => void = () => {};
    const slow = await backend('web.1', (req, res) => {
      req.resume();
      release = () => res.end('slow');
    });
    const fast = await backend('web.2');
    open.push(slow, fast);
    const { port } = await over([slow, fast]);
    const first = get(port); // goes to one of them; make sure web.1 holds one
    await eventually(() => slow.requests + fast.requests === 1, 'first request', () => [slow.requests, fast.requests]);
    if (fast.requests === 1) await get(port); // it went to web.2 (and is done): the next goes to web.1
    await eventually(() => slow.requests === 1, 'web.1 busy', () => slow.requests);
    for (let i = 0; i < 5; i++) assert.match((await get(port)).body, /web\.2/);
    release();
    await first;
  });
});

describe('headers', () => {
  test('X-Request-ID, X-Forwarded-*, X-Request-Start, Via, Host kept, hop-by-hop fields dropped', T, async () => {
    const [b] = await started('web.1');
    const { port } = await over([b!]);
    const valid = 'abcdefghij0123456789+/=-XY';
    const beforeMs = Date.now();
    const { body, headers } = await get(port, '/x?y=1', {
      headers: ['Host', 'example.test', 'X-Request-ID', valid, 'X-Forwarded-For', '10.0.0.1', 'Connection', 'keep-alive, X-Secret-Hop', 'X-Secret-Hop', 'drop me', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'X-Forwarded-Proto', 'https', 'X-App', 'one', 'X-App', 'two'],
    });
    const seen = (JSON.parse(body) as { headers: string[]; url: string });
    const h = new Map<string, string[]>();
    for (let i = 0; i < seen.headers.length; i += 2) h.set(seen.headers[i]!.toLowerCase(), [...(h.get(seen.headers[i]!.toLowerCase()) ?? []), seen.headers[i + 1]!]);
    assert.equal(seen.url, '/x?y=1');
    assert.deepEqual(h.get('host'), ['example.test']);
    assert.deepEqual(h.get('x-request-id'), [valid]);
    assert.deepEqual(h.get('x-forwarded-for'), ['10.0.0.1, 127.0.0.1']);
    assert.deepEqual(h.get('x-forwarded-proto'), ['http']);
    assert.deepEqual(h.get('x-forwarded-port'), [String(port)]);
    const start = Number(h.get('x-request-start')?.[0]);
    assert.ok(start >= beforeMs && start <= Date.now(), `X-Request-Start ${start} is ms since the epoch`);
    assert.deepEqual(h.get('via'), ['1.1 dozen']);
    assert.deepEqual(h.get('x-app'), ['one', 'two']);
    for (const hop of ['x-secret-hop', 'keep-alive', 'te']) assert.equal(h.get(hop), undefined, `${hop} is not forwarded`);
    assert.equal(headers.via, '1.1 dozen');
  });

  test('an invalid or missing X-Request-ID is replaced by a UUID', T, async () => {
    const [b] = await started('web.1');
    const { port, host } = await over([b!]);
    for (const incoming of [undefined, 'short', 'x'.repeat(201), 'has spaces in it, twenty+']) {
      const { body } = await get(port, '/', { headers: incoming === undefined ? {} : { 'X-Request-ID': incoming } });
      const raw = (JSON.parse(body) as { headers: string[] }).headers;
      const id = raw[raw.findIndex((n) => n.toLowerCase() === 'x-request-id') + 1];
      assert.match(id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    await eventually(() => host.lines.length === 4, 'four log lines', () => host.lines);
  });

  test('response hop-by-hop fields are dropped, repeated fields kept', T, async () => {
    const b = await backend('web.1', (req, res) => {
      req.resume();
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('Connection', 'X-Internal');
      res.setHeader('X-Internal', 'secret');
      res.end('ok');
    });
    open.push(b);
    const { port } = await over([b]);
    const { headers, body } = await get(port);
    assert.equal(body, 'ok');
    assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(headers['x-internal'], undefined);
  });
});

describe('the request log', () => {
  test('one Heroku-format line per request, under the name router', T, async () => {
    const b = await backend('web.1', (req, res) => {
      req.resume();
      res.end('x'.repeat(5120));
    });
    open.push(b);
    const { port, host } = await over([b]);
    await get(port, '/x?y=1', { headers: { Host: 'example.test', 'X-Request-ID': 'req-0123456789abcdefghij' } });
    await eventually(() => host.lines.length === 1, 'a log line', () => host.lines);
    const m = REQUEST_LINE.exec(host.lines[0]!);
    assert.ok(m, host.lines[0]);
    assert.deepEqual([m[1], m[2], m[3], m[4], m[5], m[6], m[9], m[10]], ['GET', '/x?y=1', 'example.test', 'req-0123456789abcdefghij', '127.0.0.1', 'web.1', '200', '5120']);
  });
});

describe("Heroku's failures", () => {
  test('H14: no web instance at all: 503 at once', T, async () => {
    const { port, host } = await over([]);
    const { status, body } = await get(port);
    assert.equal(status, 503);
    assert.match(body, /H14/);
    await eventually(() => host.lines.length === 1, 'a log line', () => host.lines);
    assert.match(host.lines[0]!, /^router: at=error code=H14 desc="No web processes running" method=GET path="\/" .* dyno= .*status=503 /);
  });

  test('H13: the instance closes the connection without an answer', T, async () => {
    const b = await backend('web.1', (req) => req.socket.destroy());
    open.push(b);
    const { port, host } = await over([b]);
    const { status } = await get(port);
    assert.equal(status, 503);
    await eventually(() => host.lines.length === 1, 'a log line', () => host.lines);
    assert.match(host.lines[0]!, /at=error code=H13 desc="Connection closed without response" .*dyno=web\.1 .*status=503/);
  });

  test('H12: no answer within the router timeout: 503, service is the timeout', T, async () => {
    const b = await backend('web.1', (req) => req.resume()); // never answers
    open.push(b);
    const { port, host } = await over([b], { timeoutMs: 300 });
    const { status, body } = await get(port);
    assert.equal(status, 503);
    assert.match(body, /H12/);
    await eventually(() => host.lines.length === 1, 'a log line', () => host.lines);
    assert.match(host.lines[0]!, /at=error code=H12 desc="Request timeout" .*service=300ms status=503/);
  });

  test('H27: the client hangs up first: logged as 499', T, async () => {
    const b = await backend('web.1', (req) => req.resume());
    open.push(b);
    const { port, host } = await over([b]);
    const req = request({ host: '127.0.0.1', port, path: '/slow', agent: false });
    req.on('error', () => {});
    req.end();
    await eventually(() => b.requests === 1, 'request at the instance', () => b.requests);
    req.destroy();
    await eventually(() => host.lines.length === 1, 'a log line', () => host.lines);
    assert.match(host.lines[0]!, /at=error code=H27 desc="Client Request Interrupted" .*dyno=web\.1 .*status=499/);
  });

  test('a refused connection is retried on another instance; a request that reached one is not', T, async () => {
    const [live] = await started('web.2');
    const dead = await freePort(); // nothing listens there
    const { host, port } = await over([]);
    host.set([row('web.1', dead), row('web.2', live!.port)]);
    for (let i = 0; i < 6; i++) assert.equal((await get(port, '/', { method: 'POST', body: 'payload' })).status, 200);
    assert.equal(live!.requests, 6);
    await eventually(() => host.lines.length === 6, 'six lines', () => host.lines);
    assert.ok(host.lines.every((l) => /at=info .*dyno=web\.2 /.test(l)), host.lines.join('\n'));
    // Every instance refuses: H21, not a hang.
    host.set([row('web.1', dead)]);
    const { status, body } = await get(port);
    assert.equal(status, 503);
    assert.match(body, /H21/);
  });

  test('a POST whose instance resets the connection is not sent again', T, async () => {
    let calls = 0;
    const a = await backend('web.1', (req) => {
      calls += 1;
      req.socket.destroy();
    });
    const b = await backend('web.2', (req) => {
      calls += 1;
      req.socket.destroy();
    });
    open.push(a, b);
    const { port } = await over([a, b]);
    assert.equal((await get(port, '/', { method: 'POST', body: 'once' })).status, 503);
    assert.equal(calls, 1);
  });

  test('requests wait for an instance that is booting, then go to it', T, async () => {
    const [b] = await started('web.1');
    const { host, port } = await over([]);
    host.set([row('web.1', b!.port, { ready: false, state: 'starting' })]);
    const answer = get(port);
    await new Promise((r) => setTimeout(r, 100));
    host.set([row('web.1', b!.port)]);
    assert.equal((await answer).status, 200);
  });
});

describe('connections', () => {
  test('keep-alive: one client connection and one instance connection serve many requests', T, async () => {
    const [b] = await started('web.1');
    const { port } = await over([b!]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end();
        reused.push(req.reusedSocket);
      });
    }
    agent.destroy();
    assert.deepEqual(reused, [false, ...new Array<boolean>(19).fill(true)]);
    assert.equal(b!.connections, 1);
  });

  test('pipelined requests are answered in order', T, async () => {
    const b = await backend('web.1', (req, res) => {
      req.resume();
      // The first answers last: order must come from the router, not from the timing.
      setTimeout(() => res.end(`answer to ${req.url}`), req.url === '/one' ? 150 : 0);
    });
    open.push(b);
    const { port } = await over([b]);
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.write('GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n');
    await eventually(() => text.includes('answer to /two'), 'both answers', () => text);
    socket.destroy();
    assert.ok(text.indexOf('answer to /one') < text.indexOf('answer to /two'), text);
  });

  test('100 MB up and 100 MB down stream through without being held in memory', { timeout: 120_000 }, async () => {
    const MB = 1024 * 1024;
    const chunk = Buffer.alloc(MB, 'a');
    const b = await backend('web.1', (req, res) => {
      if (req.method === 'POST') {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
        });
        req.on('end', () => res.end(JSON.stringify({ bytes, sha: hash.digest('hex') })));
        return;
      }
      let sent = 0;
      const pump = () => {
        while (sent < 100 && res.write(chunk)) sent += 1;
        if (sent >= 100) return res.end();
        sent += 1;
        res.once('drain', pump);
      };
      pump();
    });
    open.push(b);
    const { port } = await over([b]);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      // Upload: chunked, 100 × 1 MiB, with the client honouring backpressure.
      const expected = createHash('sha256');
      for (let i = 0; i < 100; i++) expected.update(chunk);
      const up = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/up', agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        let n = 0;
        const pump = () => {
          while (n < 100) {
            n += 1;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      assert.deepEqual(JSON.parse(up), { bytes: 100 * MB, sha: expected.digest('hex') });
      // Download: read slowly at first, so the router must hold back the instance, not buffer.
      const downBytes = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/down', agent: false }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (bytes < 10 * MB) {
              res.pause();
              setTimeout(() => res.resume(), 2);
            }
          });
          res.on('end', () => resolve(bytes));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(downBytes, 100 * MB);
    } finally {
      clearInterval(sampler);
    }
    // Backend, client and router share this process: a router that held a body would add 100 MB.
    assert.ok(peak - rssBefore < 60 * MB, `RSS grew by ${Math.round((peak - rssBefore) / MB)} MB`);
  });

  test('a WebSocket handshake and its frames pass through both ways', T, async () => {
    const b = await backend('web.1');
    open.push(b);
    b.server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      const key = req.headers['sec-websocket-key'] as string;
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Got-Request-Id: ${String(req.headers['x-request-id'])}\r\n\r\n`);
      if (head.length > 0) socket.write(head);
      socket.on('data', (d: Buffer) => socket.write(d)); // echo
    });
    const { port, host } = await over([b]);
    const key = Buffer.from('0123456789abcdef').toString('base64');
    const echoed = await new Promise<{ status: number; accept: string; data: Buffer }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/ws',
        agent: false,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
      });
      req.on('upgrade', (res, socket: Socket) => {
        // A masked text frame "hello", as a browser sends it.
        const mask = Buffer.from([1, 2, 3, 4]);
        const payload = Buffer.from('hello').map((c, i) => c ^ mask[i % 4]!);
        socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | 5]), mask, payload]));
        socket.once('data', (data: Buffer) => {
          resolve({ status: res.statusCode ?? 0, accept: String(res.headers['sec-websocket-accept']), data });
          socket.destroy();
        });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(echoed.status, 101);
    assert.equal(echoed.accept, createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
    assert.equal(echoed.data.subarray(6).map((c, i) => c ^ [1, 2, 3, 4][i % 4]!).toString(), 'hello');
    await eventually(() => host.lines.some((l) => /path="\/ws" .*dyno=web\.1 .*status=101/.test(l)), 'an upgrade line', () => host.lines);
  });
});

describe('draining', () => {
  test('a drain stops new requests at once and resolves when the last in flight is answered', T, async () => {
    let finishSlow: () => void = () => {};
    const a = await backend('web.1', (req, res, name) => {
      req.resume();
      if (req.url === '/slow') finishSlow = () => res.end(name);
      else res.end(name);
    });
    const b = await backend('web.2');
    open.push(a, b);
    const { host, port } = await over([a]);
    const slow = get(port, '/slow');
    await eventually(() => a.requests === 1, 'slow request at web.1', () => a.requests);
    host.set([row('web.1', a.port), row('web.2', b.port, { generation: 2 })]);
    let drained = false;
    const drain = host.drain('web.1', a.port).then(() => (drained = true));
    for (let i = 0; i < 5; i++) assert.match((await get(port)).body, /web\.2/);
    assert.equal(drained, false, 'the drain waits for the request in flight');
    finishSlow();
    assert.equal((await slow).body, 'web.1');
    await drain;
    assert.equal(drained, true);
  });
});

describe('stats', () => {
  test('counts per status class and latency percentiles, per instance', T, async () => {
    const b = await backend('web.1', (req, res) => {
      req.resume();
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end();
    });
    open.push(b);
    const { port, router } = await over([b]);
    for (let i = 0; i < 8; i++) await get(port);
    for (let i = 0; i < 2; i++) await get(port, '/missing');
    const info = router.info();
    assert.equal(info.requests, 10);
    assert.deepEqual(info.statusClasses, { '2xx': 8, '4xx': 2 });
    const web1 = info.instances.find((i) => i.name === 'web.1');
    assert.equal(web1?.requests, 10);
    assert.ok(web1?.latency && web1.latency.count === 10 && web1.latency.p50 > 0 && web1.latency.p99 >= web1.latency.p50);
  });
});

describe('the request line with a forwarded chain', () => {
  test('fwd is the X-Forwarded-For chain the instance got', T, async () => {
    const [b] = await started('web.1');
    const { port, host } = await over([b!]);
    await get(port, '/', { headers: { 'X-Forwarded-For': '203.0.113.7' } });
    await eventually(() => host.lines.length === 1, 'a log line', () => host.lines);
    assert.match(host.lines[0]!, / fwd="203\.0\.113\.7, 127\.0\.0\.1" /);
  });
});
