import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DozenError } from '../../src/errors.js';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { portAllocator, withPort } from '../../src/supervisor/port-allocator.js';

test('a surge port skips the ports the formation holds', async () => {
  const offered = [5000, 5100, 6123];
  const ports = portAllocator(async () => offered.shift() ?? 0);
  assert.equal(await ports.surgePort(new Set([5000, 5100])), 6123);
});

test('a surge port is never one the formula may hand out later', async () => {
  const offered = [5001, 5150, 7000];
  const ports = portAllocator(async () => offered.shift() ?? 0, (port) => port >= 5000 && port < 5200);
  assert.equal(await ports.surgePort(new Set()), 7000);
});

test('the allocator gives up with an internal error when every port offered is held', async () => {
  let asked = 0;
  const ports = portAllocator(async () => {
    asked++;
    return 5000;
  });
  await assert.rejects(ports.surgePort(new Set([5000])), (err: unknown) => err instanceof DozenError && err.code === 'internal' && /20 tries/.test(err.message));
  assert.equal(asked, 20);
});

test('the kernel free port can be bound at once', { timeout: 10_000 }, async () => {
  const port = await kernelFreePort();
  assert.ok(port > 0 && port < 65536);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});

test('withPort moves PORT in the environment with the port', () => {
  const spec = { name: 'web.1', port: 5000, env: { PORT: '5000', A: '1' } };
  assert.deepEqual(withPort(spec, 6000), { name: 'web.1', port: 6000, env: { PORT: '6000', A: '1' } });
  assert.deepEqual(withPort(spec, undefined), { name: 'web.1', port: undefined, env: { A: '1' } });
  assert.equal(withPort(spec, 5000), spec, 'the same port: the same spec');
  assert.equal(spec.env.PORT, '5000', 'the original is not changed');
});
