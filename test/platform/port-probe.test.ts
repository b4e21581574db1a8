import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { connectProbe, listenTableProbe, parseListeningPorts, readListeningPorts, waveProbe } from '../../src/platform/port-probe.js';

const V4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1151 1 0 100 0 0 10 0
   1: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2000 1 0 100 0 0 10 0
   2: 0500A8C0:1389 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2001 1 0 100 0 0 10 0
   3: 0100007F:138A 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 2002 1 0 20 4 30 10 -1
`;
const V6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1770 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3000 1 0 100 0 0 10 0
   1: 00000000000000000000000001000000:1771 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3001 1 0 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1772 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3002 1 0 100 0 0 10 0
`;

test('listening ports: LISTEN rows on 0.0.0.0, 127.0.0.1, :: and ::ffff:127.0.0.1 only', () => {
  // 2024 (0.0.0.0), 5000 (127.0.0.1), 6000 (::), 6002 (::ffff:127.0.0.1). Not: 5001 (192.168.0.5),
  // 5002 (an established connection), 6001 (::1 does not take IPv4 connects).
  assert.deepEqual([...parseListeningPorts(V4, V6)].sort((a, b) => a - b), [2024, 5000, 6000, 6002]);
  assert.deepEqual([...parseListeningPorts('', '')], []);
});

function listen(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      resolve({ server, port: address.port });
    });
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

test('the real table and the default probe see a listener on 127.0.0.1 and no longer once it closed', { timeout: 10_000 }, async (t) => {
  const ports = await readListeningPorts();
  if (ports === undefined) return t.skip('no /proc/net/tcp here');
  const { server, port } = await listen('127.0.0.1');
  // The default reader and fallback, on a clock of the test's: probes share a table read for a while.
  let now = 1000;
  const probe = listenTableProbe(readListeningPorts, connectProbe, () => now);
  try {
    assert.ok((await readListeningPorts())?.has(port));
    assert.equal(await probe(port), true);
    assert.equal(await connectProbe(port), true);
  } finally {
    await close(server);
  }
  now += 1000; // past the sharing window: the next probe reads the table again
  assert.equal((await readListeningPorts())?.has(port), false);
  assert.equal(await probe(port), false);
  assert.equal(await connectProbe(port), false);
});

test('probes close together share one table read; an unreadable table falls back to the other probe for good', async () => {
  let reads = 0;
  let clock = 1000;
  const probe = listenTableProbe(
    async () => {
      reads++;
      return new Set([5000]);
    },
    async () => assert.fail('no fallback while the table reads'),
    () => clock,
  );
  assert.deepEqual(await Promise.all([probe(5000), probe(5001), probe(5000)]), [true, false, true]);
  assert.equal(reads, 1);
  clock += 1000;
  assert.equal(await probe(5001), false);
  assert.equal(reads, 2);

  const asked: number[] = [];
  let tableReads = 0;
  const fallback = listenTableProbe(
    async () => {
      tableReads++;
      return undefined;
    },
    async (port) => {
      asked.push(port);
      return port === 7000;
    },
    () => (clock += 1000),
  );
  assert.equal(await fallback(7000), true);
  assert.equal(await fallback(7001), false);
  assert.deepEqual(asked, [7000, 7001]);
  assert.equal(tableReads, 1);
});

test('a wave of a few probes connects; a wave of many shares the table', async () => {
  const byTable: number[] = [];
  const byConnect: number[] = [];
  const probe = waveProbe(
    async (port) => (byTable.push(port), port === 5001),
    async (port) => (byConnect.push(port), port === 5001),
    4,
  );
  assert.deepEqual(await Promise.all([probe(5000), probe(5001), probe(5002)]), [false, true, false]);
  assert.deepEqual(byConnect, [5000, 5001, 5002]);
  assert.deepEqual(byTable, []);
  const many = [5000, 5001, 5002, 5003, 5004];
  assert.deepEqual(await Promise.all(many.map((p) => probe(p))), [false, true, false, false, false]);
  assert.deepEqual(byTable, many);
  assert.equal(byConnect.length, 3);
  // The next turn is a new wave.
  assert.equal(await probe(5001), true);
  assert.equal(byConnect.length, 4);
});
