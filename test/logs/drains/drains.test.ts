// The drains against real receivers in this process: strict TCP syslog, TLS with a throwaway
// self-signed certificate, an HTTPS Logplex endpoint; receivers that go away and come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachDrains } from '../../../src/logs/drains/attach-drains.js';
import { FakeSupervisor } from '../store/fake-supervisor.js';
import { waitUntil } from '../../fixtures/harness.js';
import { HttpsReceiver, SyslogReceiver, selfSignedCert } from './receivers.js';

const T = { timeout: 60_000 };
const FAST = { initialMs: 20, maxMs: 200 };
const cert = selfSignedCert();

function setup() {
  const sup = new FakeSupervisor();
  const messages: string[] = [];
  return { sup, messages, onMessage: (t: string) => void messages.push(t) };
}

test('syslog:// delivers every line as RFC 5424 over RFC 6587 octet counting', T, async () => {
  const rx = new SyslogReceiver();
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`syslog://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage });
  try {
    const at = Date.parse('2026-11-28T16:40:12.5Z');
    sup.output('web.1', ['GET / 200', 'ünïcödé ✓ line', '\x1b[32mgreen\x1b[0m'], 'stdout', at);
    sup.output('worker.2', ['oops'], 'stderr', at);
    sup.message('web.1 exited with code 3', 'web.1', 'warn', at);
    sup.message('sending SIGTERM to all processes', undefined, 'info', at);
    const got = await rx.waitFor(6);
    assert.deepEqual(
      got.map((m) => [m.pri, m.timestamp, m.hostname, m.appName, m.procId, m.msgId, m.sd, m.msg]),
      [
        [14, '2026-11-28T16:40:12.500000+00:00', 'box', 'shop', 'web.1', 'app', '-', 'GET / 200'],
        [14, '2026-11-28T16:40:12.500000+00:00', 'box', 'shop', 'web.1', 'app', '-', 'ünïcödé ✓ line'],
        [14, '2026-11-28T16:40:12.500000+00:00', 'box', 'shop', 'web.1', 'app', '-', 'green'],
        [11, '2026-11-28T16:40:12.500000+00:00', 'box', 'shop', 'worker.2', 'app', '-', 'oops'],
        [12, '2026-11-28T16:40:12.500000+00:00', 'box', 'shop', 'web.1', 'dozen', '-', 'web.1 exited with code 3'],
        [14, '2026-11-28T16:40:12.500000+00:00', 'box', 'shop', 'dozen', 'dozen', '-', 'sending SIGTERM to all processes'],
      ],
    );
    // A flood arrives whole and in order over one connection.
    for (let i = 0; i < 20_000; i += 500) sup.output('web.2', Array.from({ length: 500 }, (_, j) => `n ${i + j}`));
    const all = await rx.waitFor(6 + 20_000);
    all.slice(6).forEach((m, i) => assert.equal(m.msg, `n ${i}`));
    assert.equal(rx.connections, 1);
    assert.deepEqual(messages, []);
  } finally {
    await detach();
    await rx.stop();
  }
});

test('syslog+tls:// with a self-signed certificate trusted through the ca option', { ...T, skip: cert ? false : 'openssl not found' }, async () => {
  const tls = cert as { key: string; cert: string };
  const rx = new SyslogReceiver(tls);
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`syslog+tls://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage, ca: tls.cert });
  try {
    sup.output('web.1', ['over tls 1', 'over tls 2']);
    const got = await rx.waitFor(2);
    assert.deepEqual(got.map((m) => [m.procId, m.msg]), [['web.1', 'over tls 1'], ['web.1', 'over tls 2']]);
    assert.deepEqual(messages, []);
  } finally {
    await detach();
    await rx.stop();
  }
});

test('syslog+tls:// refuses an untrusted certificate, says so once, and keeps the lines', { ...T, skip: cert ? false : 'openssl not found' }, async () => {
  const tls = cert as { key: string; cert: string };
  const rx = new SyslogReceiver(tls);
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`syslog+tls://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage, backoff: FAST, ca: '' });
  try {
    sup.output('web.1', ['secret line']);
    await waitUntil(() => messages.length > 0, 'an unreachable notice', 10_000, () => `${rx.attempts} connection attempts`);
    // Three more attempts: the two before the last have failed as the first did.
    const attempts = rx.attempts;
    await waitUntil(() => rx.attempts >= attempts + 3, 'three more connection attempts', 10_000, () => `${rx.attempts} connection attempts; ${messages.join(' | ')}`);
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0] as string, /^drain syslog\+tls:\/\/127\.0\.0\.1:\d+: unreachable \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|[A-Z_]+)\); buffering lines and retrying$/);
    assert.equal(rx.messages.length, 0);
  } finally {
    await detach();
    await rx.stop();
  }
  assert.match(messages[messages.length - 1] as string, /1 lines were dropped/);
});

test('a syslog receiver that goes away and comes back gets the buffered lines, in order', T, async () => {
  const rx = new SyslogReceiver();
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`syslog://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage, backoff: FAST });
  const drain = detach.drains[0];
  assert.ok(drain);
  try {
    sup.output('web.1', ['before 1', 'before 2']);
    await rx.waitFor(2);
    await rx.stop();
    await waitUntil(() => !drain.stats().connected, 'the drain to notice the receiver left', 10_000, () => JSON.stringify(drain.stats()));
    for (let i = 0; i < 50; i++) sup.output('web.1', [`during ${i}`]);
    assert.ok(drain.stats().queued);
    await rx.start(port);
    const got = await rx.waitFor(52);
    assert.deepEqual(got.slice(2).map((m) => m.msg), Array.from({ length: 50 }, (_, i) => `during ${i}`));
    assert.match(messages[0] as string, /^drain syslog:\/\/127\.0\.0\.1:\d+: unreachable \((ECONNREFUSED|connection closed|ECONNRESET)\); buffering lines and retrying$/);
    assert.equal(messages.filter((m) => /unreachable/.test(m)).length, 1, messages.join('\n'));
    await waitUntil(() => messages.some((m) => /delivering again/.test(m)), 'the recovery notice', 10_000, () => messages.join('\n'));
    assert.equal(messages.filter((m) => /dropped/.test(m)).length, 0, 'nothing dropped');
  } finally {
    await detach();
    await rx.stop();
  }
});

test('overflow while the receiver is away: the oldest lines go, counted in one message', T, async () => {
  const rx = new SyslogReceiver();
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  // Each line is 'overflow NNN\n' = 13 bytes: the queue holds 20 of them.
  const detach = attachDrains(sup, [`syslog://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage, backoff: FAST, maxBytes: 260 });
  const drain = detach.drains[0];
  assert.ok(drain);
  try {
    await waitUntil(() => drain.stats().connected, 'the first connection', 10_000, () => `${JSON.stringify(drain.stats())}; ${messages.join(' | ')}`);
    await rx.stop();
    await waitUntil(() => !drain.stats().connected, 'the drain to notice the receiver left', 10_000, () => JSON.stringify(drain.stats()));
    for (let i = 0; i < 100; i++) sup.output('web.1', [`overflow ${String(i).padStart(3, '0')}`]);
    assert.equal(drain.stats().dropped, 80);
    await rx.start(port);
    const got = await rx.waitFor(20);
    assert.deepEqual(got.map((m) => m.msg), Array.from({ length: 20 }, (_, i) => `overflow ${String(80 + i).padStart(3, '0')}`));
    await waitUntil(() => messages.some((m) => /dropped/.test(m)), 'the dropped notice', 10_000, () => messages.join('\n'));
    // More lines after the recovery: no second "dropped" message for the same episode.
    sup.output('web.1', ['after']);
    await rx.waitFor(21);
    const dropped = messages.filter((m) => /dropped/.test(m));
    assert.deepEqual(dropped, [`drain syslog://127.0.0.1:${port}: 80 lines were dropped (its buffer was full)`]);
  } finally {
    await detach();
    await rx.stop();
  }
  assert.equal(messages.filter((m) => /dropped/.test(m)).length, 1, messages.join('\n'));
});

test('https:// POSTs Logplex batches with basic auth, retries a failed batch with the same frame id', { ...T, skip: cert ? false : 'openssl not found' }, async () => {
  const tls = cert as { key: string; cert: string };
  const rx = new HttpsReceiver(tls);
  rx.respond = (n) => (n === 0 ? 503 : 200); // the first attempt fails
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`https://token:p%40ss@127.0.0.1:${port}/logs/in?app=shop`], {
    appName: 'shop',
    hostname: 'box',
    onMessage,
    ca: tls.cert,
    backoff: FAST,
  });
  try {
    sup.output('web.1', Array.from({ length: 1200 }, (_, i) => `req ${i}`));
    sup.message('web.1 listening on :5000', 'web.1');
    await rx.waitUntil(() => rx.accepted().length >= 1201, '1201 accepted frames');
    const [first, second] = rx.requests;
    assert.ok(first && second);
    for (const r of rx.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.path, '/logs/in?app=shop');
      assert.equal(r.headers['content-type'], 'application/logplex-1');
      assert.equal(r.headers['logplex-msg-count'], String(r.frames.length));
      assert.match(String(r.headers['logplex-frame-id']), /^[0-9a-f-]{36}$/);
      assert.equal(r.headers.authorization, `Basic ${Buffer.from('token:p@ss').toString('base64')}`);
      assert.ok(r.frames.length <= 500);
    }
    assert.equal(first.status, 503);
    assert.equal(second.headers['logplex-frame-id'], first.headers['logplex-frame-id'], 'a retry keeps its frame id');
    assert.deepEqual(second.frames, first.frames);
    const accepted = rx.accepted();
    assert.deepEqual(accepted.slice(0, 1200).map((m) => [m.procId, m.msgId, m.msg]), Array.from({ length: 1200 }, (_, i) => ['web.1', 'app', `req ${i}`]));
    assert.deepEqual([accepted[1200]?.msgId, accepted[1200]?.msg], ['dozen', 'web.1 listening on :5000']);
    const ids = new Set(rx.requests.filter((r) => r.status < 300).map((r) => r.headers['logplex-frame-id']));
    assert.equal(ids.size, rx.requests.filter((r) => r.status < 300).length, 'one frame id per batch');
    assert.equal(messages.length, 2, messages.join('\n'));
    assert.match(messages[0] as string, /^drain https:\/\/token:\*\*\*@127\.0\.0\.1:\d+\/logs\/in\?app=shop: unreachable \(HTTP 503\); buffering lines and retrying$/);
    assert.ok(messages.every((m) => !m.includes('p@ss') && !m.includes('p%40ss')));
  } finally {
    await detach();
    await rx.stop();
  }
});

test('an https receiver that goes away: lines wait, overflow is counted once, delivery resumes', { ...T, skip: cert ? false : 'openssl not found' }, async () => {
  const tls = cert as { key: string; cert: string };
  const rx = new HttpsReceiver(tls);
  let down = true;
  rx.respond = () => (down ? 502 : 200);
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`https://127.0.0.1:${port}/`], { appName: 'shop', hostname: 'box', onMessage, ca: tls.cert, backoff: FAST, maxBytes: 260 });
  try {
    sup.output('web.1', ['first']);
    await rx.waitUntil(() => rx.requests.length >= 2, 'two failed attempts');
    // Held for retry: 'first'. Queued: at most 20 of these 13-byte lines.
    for (let i = 0; i < 100; i++) sup.output('web.1', [`overflow ${String(i).padStart(3, '0')}`]);
    down = false;
    await rx.waitUntil(() => rx.accepted().length >= 21, '21 accepted frames');
    assert.deepEqual(rx.accepted().map((m) => m.msg), ['first', ...Array.from({ length: 20 }, (_, i) => `overflow ${String(80 + i).padStart(3, '0')}`)]);
    await waitUntil(() => messages.some((m) => /dropped/.test(m)), 'the dropped notice', 10_000, () => messages.join('\n'));
    assert.deepEqual(messages.filter((m) => /dropped/.test(m)), [`drain https://127.0.0.1:${port}/: 80 lines were dropped (its buffer was full)`]);
    assert.equal(messages.filter((m) => /unreachable/.test(m)).length, 1);
  } finally {
    await detach();
    await rx.stop();
  }
});
