// The exported site in the real nginx: `nginx -t` accepts it, and nginx in front of two real web
// instances balances over them, sets every header dozen's router sets, passes upgrades, retries a
// refused connection on the other instance, and writes the router's log line.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { renderNginx } from '../../src/export/nginx.js';
import { appFixture, freePort, hostileFixture, missingToolReason } from './fixtures.js';
import { findNginx, nginxCheck, nginxPrefix, type RunningNginx, startNginx } from './nginx-rig.js';

const bin = findNginx();
const skip = missingToolReason('nginx', bin !== undefined);
const T = { timeout: 60_000, skip };

const dirs: string[] = [];
const servers: Server[] = [];
let nginx: RunningNginx | undefined;
/** The formation the second test starts nginx for, used again by the third. */
let front: { listenPort: number; basePort: number } | undefined;

after(async () => {
  const pid = nginx?.child.pid;
  await nginx?.stop();
  if (pid !== undefined) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `nginx (pid ${pid}) is still running`);
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((ok) => server.close(ok))));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  port: number;
  headers: IncomingHttpHeaders;
}

/** A web instance: answers with its port and the headers it got; echoes an upgraded stream. */
function listenBackend(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ port, headers: req.headers } satisfies Seen));
  });
  server.on('upgrade', (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Seen-Connection: ${req.headers.connection}\r\n\r\n`);
    socket.pipe(socket);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

/** Two web instances on consecutive ports, as a formation of web=2 from base port P gives them. */
async function backendPair(): Promise<{ basePort: number; pair: Server[] }> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const basePort = Math.min(await freePort(), 65_000);
    const first = await listenBackend(basePort).catch(() => undefined);
    if (!first) continue;
    const second = await listenBackend(basePort + 1).catch(() => undefined);
    if (second) return { basePort, pair: [first, second] };
    first.close();
  }
  throw new Error('no two consecutive free ports');
}

interface Reply {
  status: number;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
    req.on('error', fail);
    req.end();
  });
}

async function seen(port: number, path: string, headers: Record<string, string> = {}): Promise<Seen & { body: string }> {
  const reply = await get(port, path, headers);
  assert.equal(reply.status, 200, reply.body);
  return { ...(JSON.parse(reply.body) as Seen), body: reply.body };
}

/** The access log's lines, once it has `count` of them (nginx logs after the response). */
async function logLines(path: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`the access log has ${lines.length} lines, expected ${count}:\n${lines.join('\n')}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

const LOG_LINE =
  /^at=info method=(?<method>\S+) path="(?<path>[^"]*)" host=(?<host>\S*) request_id=(?<id>\S+) fwd="(?<fwd>[^"]*)" dyno=(?<dyno>\S+) connect=(?<connect>\d+)ms service=(?<service>\d+)ms status=(?<status>\d+) bytes=(?<bytes>\d+) protocol=(?<protocol>\S+)$/;

describe('nginx export, in the real nginx', () => {
  it('nginx -t accepts the site of the hostile app, and of a one-instance app on an IPv6 address', T, () => {
    for (const { instances, ctx } of [hostileFixture(), appFixture({ procfile: 'web: x\n', formation: { web: 1 }, overrides: { listen: { host: '[::1]', port: 8080 } } })]) {
      const [site] = renderNginx(instances, ctx);
      const prefix = nginxPrefix(site?.content ?? '', ctx.app);
      dirs.push(prefix.dir);
      const check = nginxCheck(bin ?? 'nginx', prefix);
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stderr, /syntax is ok/);
    }
  });

  it('balances over both instances with every header and log field of the router', T, async () => {
    const { basePort, pair } = await backendPair();
    servers.push(...pair);
    const listenPort = await freePort();
    const { instances, ctx } = appFixture({ procfile: 'web: node web.js\n', formation: { web: 2 }, basePort, app: 'shop', overrides: { listen: { host: '127.0.0.1', port: listenPort } } });
    const [site] = renderNginx(instances, ctx);
    const prefix = nginxPrefix(site?.content ?? '', ctx.app);
    dirs.push(prefix.dir);
    nginx = await startNginx(bin ?? 'nginx', prefix, listenPort);
    front = { listenPort, basePort };

    const validId = 'Abc+def/ghi=jkl-mno0123456789';
    const before = Date.now();
    const kept = await seen(listenPort, '/x?y=1', { 'X-Request-ID': validId, 'X-Forwarded-For': '203.0.113.7' });
    const afterFirst = Date.now();
    assert.equal(kept.headers['x-request-id'], validId, 'a valid incoming X-Request-ID is kept');
    assert.equal(kept.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(kept.headers['x-forwarded-proto'], 'http');
    assert.equal(kept.headers['x-forwarded-port'], String(listenPort));
    assert.equal(kept.headers.host, `127.0.0.1:${listenPort}`, 'Host as the client sent it');
    assert.equal(kept.headers.connection, undefined, 'no Connection: close, so nginx keeps the connection alive');
    const start = Number(kept.headers['x-request-start']);
    assert.match(String(kept.headers['x-request-start']), /^[0-9]{13}$/, 'X-Request-Start is in ms');
    assert.ok(start >= before - 1_000 && start <= afterFirst + 1_000, `X-Request-Start ${start} not within ${before}..${afterFirst}`);

    const replaced = [];
    for (const bad of ['too-short', 'has a space in it, so it is not valid', 'x'.repeat(201), 'bad;chars;here;0123456789']) {
      const r = await seen(listenPort, '/', { 'X-Request-ID': bad });
      assert.match(String(r.headers['x-request-id']), /^[0-9a-f]{32}$/, `${JSON.stringify(bad)} is replaced by nginx's id`);
      replaced.push(r);
    }
    const noId = await seen(listenPort, '/none');
    assert.match(String(noId.headers['x-request-id']), /^[0-9a-f]{32}$/);
    assert.notEqual(noId.headers['x-request-id'], replaced[0]?.headers['x-request-id'], 'a new id per request');

    const all = [kept, ...replaced, noId];
    const ports = all.map((r) => r.port);
    assert.deepEqual(new Set(ports), new Set([basePort, basePort + 1]), `balanced over both instances: ${ports.join(' ')}`);
    for (const p of [basePort, basePort + 1]) assert.equal(ports.filter((x) => x === p).length, 3, 'round robin');

    const lines = await logLines(prefix.accessLog, all.length);
    assert.equal(lines.length, all.length);
    const fields = lines.map((line) => {
      const m = LOG_LINE.exec(line);
      assert.ok(m?.groups, `not the router's log line: ${line}`);
      return m.groups;
    });
    const first = fields[0];
    assert.deepEqual(
      { method: first?.method, path: first?.path, host: first?.host, id: first?.id, fwd: first?.fwd, status: first?.status, protocol: first?.protocol },
      { method: 'GET', path: '/x?y=1', host: '127.0.0.1', id: validId, fwd: '203.0.113.7, 127.0.0.1', status: '200', protocol: 'http' },
    );
    fields.forEach((f, i) => {
      const reply = all[i];
      assert.equal(f.id, reply?.headers['x-request-id'], 'the logged id is the one the instance got');
      assert.equal(f.dyno, reply?.port === basePort ? 'web.1' : 'web.2', 'dyno names the instance that answered');
      assert.equal(Number(f.bytes), Buffer.byteLength(reply?.body ?? ''));
      assert.ok(Number(f.connect) < 1_000 && Number(f.service) < 5_000, `${f.connect}ms, ${f.service}ms`);
    });
  });

  it('passes a WebSocket upgrade through, and retries a refused connection on the other instance', T, async (t) => {
    if (!front) return t.skip('needs the nginx of the previous test');
    const { listenPort: port, basePort } = front;
    const echoed = await new Promise<string>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/ws', agent: false, timeout: 10_000, headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
      req.on('upgrade', (res, socket) => {
        assert.equal(res.headers['x-seen-connection'], 'upgrade');
        socket.once('data', (d: Buffer) => {
          socket.destroy();
          ok(d.toString());
        });
        socket.write('ping');
      });
      req.on('response', (res) => fail(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('timeout', () => req.destroy(new Error('upgrade: no answer in 10 s')));
      req.on('error', fail);
      req.end();
    });
    assert.equal(echoed, 'ping');

    // web.2 goes away: its port refuses, and nginx sends every request to web.1 instead.
    const second = servers[1];
    assert.ok(second);
    second.closeAllConnections();
    await new Promise((ok) => second.close(ok));
    for (let i = 0; i < 4; i += 1) {
      const r = await seen(port, `/after-${i}`);
      assert.equal(r.port, basePort, 'web.1 answered');
    }
  });
});
