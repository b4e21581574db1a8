// The first wave of port probes answered from tables read ahead; readiness probes read afresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readAheadProbe, readPortsAhead, readTablesNow } from '../../src/cli/read-ahead-probe.js';

function counting(ports: number[] | undefined) {
  const calls = { reads: 0, later: [] as number[] };
  const read = async () => {
    calls.reads += 1;
    return ports === undefined ? undefined : new Set(ports);
  };
  const later = async (port: number) => {
    calls.later.push(port);
    return port === 7001;
  };
  return { calls, read, later };
}

test('the probes asked together share the read ahead; later probes go to the fresh probe', async () => {
  const { calls, read, later } = counting([5000, 5100]);
  readPortsAhead(read);
  readPortsAhead(read); // once
  const probe = readAheadProbe(later, read);
  // The supervisor's first wave: every port in one synchronous loop.
  assert.deepEqual(await Promise.all([5000, 5001, 5100].map(probe)), [true, false, true]);
  assert.equal(calls.reads, 1);
  assert.deepEqual(calls.later, []);
  // Readiness, after the spawn: not from the old table.
  assert.equal(await probe(5000), false);
  assert.equal(await probe(7001), true);
  assert.deepEqual(calls.later, [5000, 7001]);
});

test('without a read ahead it reads when made; unreadable tables fall back to the fresh probe', async () => {
  const { calls, read, later } = counting(undefined);
  const probe = readAheadProbe(later, read);
  assert.equal(calls.reads, 1);
  assert.deepEqual(await Promise.all([7001, 7002].map(probe)), [true, false]);
  assert.deepEqual(calls.later, [7001, 7002]);
});

test('a read ahead is taken by one probe only', async () => {
  const first = counting([5000]);
  readPortsAhead(first.read);
  readAheadProbe(first.later, first.read);
  const second = counting([6000]);
  const probe = readAheadProbe(second.later, second.read);
  assert.equal(second.calls.reads, 1);
  assert.equal(await probe(6000), true);
});

test('the real tables list a port this process listens on', { skip: process.platform !== 'linux' && 'reads /proc/net' }, async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const ports = await readTablesNow();
    assert.ok(ports?.has(port), `port ${port} not in ${[...(ports ?? [])].join(',')}`);
  } finally {
    server.close();
  }
});
