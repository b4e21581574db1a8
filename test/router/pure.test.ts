// The router's pure parts: request ids, header rewriting, the log line, latency percentiles, the pool.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendPool } from '../../src/router/backend-pool.js';
import { requestHeaders, requestIdFor, responseHeaders } from '../../src/router/headers.js';
import { LatencyWindow } from '../../src/router/latency-window.js';
import { formatRequestLine } from '../../src/router/request-log.js';

const F = { requestId: 'id-0123456789abcdefghij', clientAddress: '127.0.0.1', port: 8080, receivedAt: 1_700_000_000_000 };

describe('request ids', () => {
  test('keeps a valid incoming id (20-200 of [A-Za-z0-9+=/-]), else makes a UUID', () => {
    assert.equal(requestIdFor('a'.repeat(20)), 'a'.repeat(20));
    assert.equal(requestIdFor('A+b=c/d-0'.repeat(22).slice(0, 200)), 'A+b=c/d-0'.repeat(22).slice(0, 200));
    for (const bad of [undefined, '', 'a'.repeat(19), 'a'.repeat(201), `${'a'.repeat(20)} `, `${'a'.repeat(20)}_`, `${'a'.repeat(20)}"<x>`]) {
      assert.match(requestIdFor(bad), /^[0-9a-f-]{36}$/, String(bad));
    }
  });
});

describe('headers', () => {
  test('request: hop-by-hop and Connection-listed fields dropped; forwarded fields set once', () => {
    const out = requestHeaders(
      ['Host', 'h', 'Connection', 'close, X-Hop', 'X-Hop', '1', 'Upgrade', 'h2c', 'Transfer-Encoding', 'chunked', 'X-Request-Start', 'spoofed', 'X-Forwarded-Port', '1', 'Via', '1.0 fred', 'X-Forwarded-For', 'a', 'X-Forwarded-For', 'b'],
      F,
    );
    assert.deepEqual(out, ['Host', 'h', 'X-Forwarded-For', 'a, b, 127.0.0.1', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Port', '8080', 'X-Request-Start', '1700000000000', 'X-Request-ID', F.requestId, 'Via', '1.0 fred, 1.1 dozen']);
  });

  test('an upgrade keeps Upgrade and says Connection: upgrade', () => {
    const out = requestHeaders(['Host', 'h', 'Connection', 'Upgrade', 'Upgrade', 'websocket'], F, true);
    assert.deepEqual(out.slice(-4), ['Connection', 'upgrade', 'Upgrade', 'websocket']);
  });

  test('response: hop-by-hop fields dropped, the rest kept in order, Via added', () => {
    assert.deepEqual(responseHeaders(['Set-Cookie', 'a', 'Keep-Alive', 'timeout=5', 'Connection', 'keep-alive', 'Set-Cookie', 'b', 'Transfer-Encoding', 'chunked']), ['Set-Cookie', 'a', 'Set-Cookie', 'b', 'Via', '1.1 dozen']);
  });
});

describe('the request line', () => {
  const base = { method: 'GET', path: '/x?y=1', host: 'example.test', requestId: 'r', fwd: '127.0.0.1', dyno: 'web.1', connectMs: 0.4, serviceMs: 12.2, status: 200, bytes: 5120 };
  test("Heroku's fields, in Heroku's order", () => {
    assert.equal(formatRequestLine(base), 'at=info method=GET path="/x?y=1" host=example.test request_id=r fwd="127.0.0.1" dyno=web.1 connect=0ms service=12ms status=200 bytes=5120 protocol=http');
  });
  test('errors carry code and desc; no dyno is an empty field', () => {
    assert.match(formatRequestLine({ ...base, dyno: undefined, code: 'H14', status: 503 }), /^at=error code=H14 desc="No web processes running" method=GET .* dyno= connect=/);
  });
  test('a client cannot break the line with quotes, newlines or spaces in the path or Host', () => {
    const line = formatRequestLine({ ...base, path: '/a"b\\c\nat=info', host: 'evil host" x=1' });
    assert.ok(!line.includes('\n'));
    assert.match(line, /path="\/a\\"b\\\\c\\x0aat=info" host="evil host\\" x=1" /);
  });
});

describe('latency window', () => {
  test('percentiles within 5% over the last minute; older seconds drop out', () => {
    const w = new LatencyWindow();
    const t0 = 1_000_000;
    for (let i = 1; i <= 100; i++) w.record(i, t0);
    const p = w.percentiles(t0);
    assert.ok(p);
    assert.equal(p.count, 100);
    for (const [got, want] of [[p.p50, 50], [p.p95, 95], [p.p99, 99]] as const) assert.ok(got >= want && got <= want * 1.05, `${got} vs ${want}`);
    w.record(1000, t0 + 30_000);
    assert.equal(w.percentiles(t0 + 30_000)?.count, 101);
    const late = w.percentiles(t0 + 61_000);
    assert.equal(late?.count, 1);
    assert.ok(late.p50 >= 1000 && late.p50 <= 1050);
    assert.equal(w.percentiles(t0 + 200_000), null);
  });
});

describe('backend pool', () => {
  test('least in flight, ties round-robin; a draining backend takes nothing', async () => {
    const pool = new BackendPool();
    pool.set([{ name: 'web.1', port: 1, generation: 1 }, { name: 'web.2', port: 2, generation: 1 }]);
    const picks = [0, 1, 2, 3].map(() => pool.pick()!.name);
    assert.deepEqual(picks, ['web.1', 'web.2', 'web.1', 'web.2']);
    const busy = pool.pick()!;
    busy.inFlight = 1;
    for (let i = 0; i < 3; i++) assert.notEqual(pool.pick(), busy);
    let drained = false;
    const d = pool.drain(busy.port).then(() => (drained = true));
    assert.equal(pool.pick(new Set()) === busy, false);
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    pool.done(busy);
    await d;
    assert.equal(drained, true);
    // Leaving the pool ends a drain too: nothing will be sent to it.
    const other = pool.list().find((b) => b !== busy)!;
    other.inFlight = 1;
    const d2 = pool.drain(other.port);
    pool.set([]);
    await d2;
    assert.equal(pool.pick(), undefined);
  });
});

describe('--router [HOST:]PORT', () => {
  test('a port alone listens on 127.0.0.1; a host or [v6] may be given', async () => {
    const { parseListenAddress } = await import('../../src/router/listen-address.js');
    assert.deepEqual(parseListenAddress('8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListenAddress('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
    assert.deepEqual(parseListenAddress('localhost:5000'), { host: 'localhost', port: 5000 });
    assert.deepEqual(parseListenAddress('[::1]:8080'), { host: '::1', port: 8080 });
    for (const bad of ['', 'x', '8080:', ':8080', '70000', '1.2.3.4:', 'a b:1', '::1:8080']) {
      assert.throws(() => parseListenAddress(bad), /--router: expected \[HOST:\]PORT/, bad);
    }
  });
});
