// `dozen start --health-path` end to end: a real web process whose /health answers 503 before
// 200; `dozen ps --json` shows it not ready while its port accepts and the check fails, and ready
// once it passed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { InstanceInfo } from '../../src/control/protocol.js';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { killAllStarted, repoRoot, runCli, shellWord, startCli, tempApp } from './helpers.js';

const WEB = join(repoRoot, 'dist/test/control/fixtures/health-web.js');

after(() => killAllStarted());

async function web1(dir: string): Promise<InstanceInfo | undefined> {
  const ps = await runCli(['ps', '--json', '-d', dir], { timeoutMs: 10_000 });
  assert.equal(ps.code, 0, ps.stderr);
  return (JSON.parse(ps.stdout) as InstanceInfo[]).find((r) => r.name === 'web.1');
}

test('--health-path: web.1 is ready only once GET /health answers 2xx, not when its port accepts', { timeout: 60_000 }, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n` });
  try {
    const base = await kernelFreePort();
    const dozen = startCli(['start', '-d', app.dir, '-p', String(base), '--health-path', '/health', '--no-log-store'], {
      timeoutMs: 50_000,
      env: { UNHEALTHY: '20' },
    });
    await dozen.waitForOutput(/health 503 #2 dozen-health close/, 15_000);
    const before = await web1(app.dir);
    assert.deepEqual([before?.state, before?.ready, before?.port], ['starting', false, base], 'listening, failing its check: not ready');
    await dozen.waitForOutput(/health 200 #21 /, 30_000);
    await dozen.waitForOutput(/web\.1 listening on :\d+; health check GET \/health answered 200 after \d+ ms/, 5_000);
    const afterwards = await web1(app.dir);
    assert.deepEqual([afterwards?.state, afterwards?.ready], ['running', true]);
    const quit = await runCli(['quit', '-d', app.dir]);
    assert.equal(quit.code, 0, quit.stderr);
    assert.equal((await dozen.exited()).code, 0);
  } finally {
    await app.cleanup();
  }
});

test('app.json healthchecks.web gives the path; a malformed app.json is one line and exit 78', { timeout: 30_000 }, async () => {
  const app = await tempApp({ Procfile: `web: node ${shellWord(WEB)}\n`, 'app.json': '{\n  "healthchecks": {"web": [{"type": "startup", "path": "/health"}]}\n}\n' });
  const bad = await tempApp({ Procfile: 'web: true\n', 'app.json': '{\n  "healthchecks": {"web": [],}\n}\n' });
  try {
    const base = await kernelFreePort();
    const dozen = startCli(['start', '-d', app.dir, '-p', String(base), '--no-log-store'], { timeoutMs: 25_000, env: { UNHEALTHY: '1' } });
    await dozen.waitForOutput(/health check GET \/health answered 200/, 15_000);
    assert.equal((await runCli(['quit', '-d', app.dir])).code, 0);
    assert.equal((await dozen.exited()).code, 0);

    const failed = await runCli(['start', '-d', bad.dir]);
    assert.equal(failed.code, 78);
    assert.equal(failed.stderr.trim(), `dozen: ${bad.path('app.json')}:2:30: not valid JSON: Expected double-quoted property name`);
  } finally {
    await app.cleanup();
    await bad.cleanup();
  }
});
