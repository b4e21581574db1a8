// NODE_EXTRA_CA_CERTS for the TLS drains: bin/dozen starts Node without it, so the drains must
// trust that file's certificates themselves. Node read the variable (if any) when this test
// process started; setting it now changes nothing for Node, only for the drains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDrains } from '../../../src/logs/drains/attach-drains.js';
import { drainSecureContext } from '../../../src/logs/drains/extra-ca-certs.js';
import { FakeSupervisor } from '../store/fake-supervisor.js';
import { waitUntil } from '../../fixtures/harness.js';
import { HttpsReceiver, SyslogReceiver, selfSignedCert } from './receivers.js';

const T = { timeout: 60_000 };
const FAST = { initialMs: 20, maxMs: 200 };
const cert = selfSignedCert();
const skip = cert ? false : 'openssl not found';
const dir = mkdtempSync(join(tmpdir(), 'dozen-extra-ca-'));
const original = process.env.NODE_EXTRA_CA_CERTS;

test.after(() => {
  if (original === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
  else process.env.NODE_EXTRA_CA_CERTS = original;
  rmSync(dir, { recursive: true, force: true });
});

/** A CA file holding the receiver's certificate after an unrelated one, named by NODE_EXTRA_CA_CERTS. */
function trustThroughEnv(name: string, pem: string): void {
  const other = selfSignedCert()?.cert ?? '';
  const path = join(dir, name);
  writeFileSync(path, `# a bundle\n${other}\n${pem}`);
  process.env.NODE_EXTRA_CA_CERTS = path;
}

function setup() {
  const sup = new FakeSupervisor();
  const messages: string[] = [];
  return { sup, messages, onMessage: (t: string) => void messages.push(t) };
}

test('syslog+tls:// trusts a certificate given only through NODE_EXTRA_CA_CERTS', { ...T, skip }, async () => {
  const tls = cert as { key: string; cert: string };
  trustThroughEnv('syslog.pem', tls.cert);
  const rx = new SyslogReceiver(tls);
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`syslog+tls://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage });
  try {
    sup.output('web.1', ['trusted through the environment']);
    const got = await rx.waitFor(1);
    assert.deepEqual(got.map((m) => m.msg), ['trusted through the environment']);
    assert.deepEqual(messages, []);
  } finally {
    await detach();
    await rx.stop();
  }
});

test('https:// trusts a certificate given only through NODE_EXTRA_CA_CERTS', { ...T, skip }, async () => {
  const tls = cert as { key: string; cert: string };
  trustThroughEnv('https.pem', tls.cert);
  const rx = new HttpsReceiver(tls);
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`https://127.0.0.1:${port}/`], { appName: 'shop', hostname: 'box', onMessage });
  try {
    sup.output('web.1', ['posted']);
    await rx.waitUntil(() => rx.accepted().length >= 1, 'one accepted frame');
    assert.deepEqual(rx.accepted().map((m) => m.msg), ['posted']);
    assert.deepEqual(messages, []);
  } finally {
    await detach();
    await rx.stop();
  }
});

test('an unreadable NODE_EXTRA_CA_CERTS file is ignored with one notice; the system CAs still apply', { ...T, skip }, async () => {
  const tls = cert as { key: string; cert: string };
  const missing = join(dir, 'missing.pem');
  process.env.NODE_EXTRA_CA_CERTS = missing;
  const rx = new SyslogReceiver(tls);
  const port = await rx.start();
  const { sup, messages, onMessage } = setup();
  const detach = attachDrains(sup, [`syslog+tls://127.0.0.1:${port}`], { appName: 'shop', hostname: 'box', onMessage, backoff: FAST });
  try {
    sup.output('web.1', ['not for an untrusted receiver']);
    await waitUntil(() => messages.some((m) => /unreachable/.test(m)), 'an unreachable notice', 10_000, () => messages.join('\n'));
    // Three more attempts (the two before the last have failed): still one notice about the file.
    const attempts = rx.attempts;
    await waitUntil(() => rx.attempts >= attempts + 3, 'three more connection attempts', 10_000, () => `${rx.attempts} connection attempts; ${messages.join(' | ')}`);
    const about = messages.filter((m) => m.includes('NODE_EXTRA_CA_CERTS'));
    assert.deepEqual(about, [`ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${missing}): cannot read it (ENOENT)`]);
    assert.equal(rx.messages.length, 0);
  } finally {
    await detach();
    await rx.stop();
  }
});

test('a file without any certificate is ignored with a notice; none set means Node defaults', () => {
  const empty = join(dir, 'empty.pem');
  writeFileSync(empty, 'no certificates here\n');
  const notices: string[] = [];
  assert.equal(drainSecureContext(undefined, (t) => notices.push(t), { NODE_EXTRA_CA_CERTS: empty }), undefined);
  assert.deepEqual(notices, [`ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${empty}): it holds no PEM certificate`]);
  assert.equal(drainSecureContext(undefined, (t) => notices.push(t), {}), undefined);
  assert.equal(drainSecureContext(undefined, (t) => notices.push(t), { NODE_EXTRA_CA_CERTS: '' }), undefined);
  assert.equal(notices.length, 1);
});
