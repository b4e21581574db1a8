// The dashboard end to end, in Debian's Chromium: a real `dozen start --dashboard` (with the
// router) of an app whose .env holds a secret; the page's rows against `dozen ps --json`, its
// buttons (restart, scale up and down), the live log (within a second), pause and filter, the
// search over the store, the router's numbers; the token (401) and another site's POST (403); and
// no config value in anything sent. A release-mode app for the rollback. Screenshots for
// docs/dashboard.md go to docs/images/ when DOZEN_SCREENSHOTS=1 (to a temp folder otherwise).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { killAllStarted, repoRoot, runCli, startCli, tempApp, type Running } from '../cli/helpers.js';
import { gitApp, gitTestEnv } from '../releases/git-app.js';
import { browserSkip, openBrowser } from './browser.js';

const T = { timeout: 150_000, skip: browserSkip };
const SECRET = 'dz-secret-7f3a9c-never-in-a-response';
const shots = process.env.DOZEN_SCREENSHOTS === '1' ? join(repoRoot, 'docs/images') : mkdtempSync(join(tmpdir(), 'dozen-shots-'));
mkdirSync(shots, { recursive: true });

after(() => killAllStarted());

/** A web process that logs each request's path, and a worker that beats. */
const WEB = "require('http').createServer((q, s) => { console.log('request ' + q.url); s.end('ok ' + process.env.PS + '\\n'); }).listen(process.env.PORT, '127.0.0.1');\n";
const WORKER = "let n = 0; setInterval(() => console.log('beat ' + ++n), 700);\n";

function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return httpRequest('GET', port, path, headers);
}

function httpRequest(method: string, port: number, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.end(body);
  });
}

/** What the server pushes on the event stream in `ms`. */
function readEvents(port: number, token: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/events?token=${token}`, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      setTimeout(() => {
        req.destroy();
        resolve(text);
      }, ms);
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
    req.end();
  });
}

async function startDashboarded(args: string[], env: Record<string, string> = {}): Promise<{ dozen: Running; url: string; port: number; token: string }> {
  const dozen = startCli(['start', '--no-color', '--dashboard', ...args], { timeoutMs: 140_000, env });
  const [, url] = (await dozen.waitForOutput(/dozen dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/)) as unknown as [string, string];
  const parsed = new URL(url);
  return { dozen, url, port: Number(parsed.port), token: parsed.searchParams.get('token') ?? '' };
}

type Row = { name: string; state: string; pid: string; port: string; release: string };

async function tableRows(page: Page): Promise<Row[]> {
  return page.$$eval('#formation tbody tr', (trs) =>
    trs.map((tr) => {
      const cell = (col: string) => tr.querySelector(`[data-col="${col}"]`)?.textContent ?? '';
      return { name: cell('name'), state: cell('state'), pid: cell('pid'), port: cell('port'), release: cell('release') };
    }),
  );
}

async function ps(dir: string, env?: Record<string, string>): Promise<Array<{ name: string; pid: number | null; port: number | null; state: string; release: string | null }>> {
  const r = await runCli(['ps', '--json', '-d', dir], env ? { env } : {});
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Polls `check` (every 100 ms, at most `timeoutMs`) until it returns something; fails saying what. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the formation, its actions, the live log, search, the router, the token and no config value, in Chromium', T, async () => {
  const app = await tempApp({ Procfile: 'web: node web.js\nworker: node worker.js\n', 'web.js': WEB, 'worker.js': WORKER, '.env': `SECRET_VALUE=${SECRET}\n` });
  const browser = await openBrowser();
  try {
    const base = await kernelFreePort();
    const routerPort = await kernelFreePort();
    const { dozen, url, port, token } = await startDashboarded(['-d', app.dir, '-p', String(base), '--router', `127.0.0.1:${routerPort}`]);
    await dozen.waitForOutput(/web\.1 listening/);
    const page = await browser.page();
    await page.goto(url);
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar for a cookie');

    // The rows are `dozen ps --json`'s instances.
    await eventually('the rows of dozen ps --json', async () => {
      const [rows, json] = [await tableRows(page), await ps(app.dir)];
      const want = json.map((i) => ({ name: i.name, state: i.state, pid: String(i.pid ?? '-'), port: String(i.port ?? '-') }));
      const got = rows.map(({ name, state, pid, port }) => ({ name, state, pid, port }));
      return JSON.stringify(got) === JSON.stringify(want) && want.length === 2 ? true : undefined;
    });

    // Restart web.1: a new pid in the row, the same as ps says.
    const before = (await ps(app.dir)).find((i) => i.name === 'web.1')?.pid;
    await page.getByRole('button', { name: 'Restart web.1', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /web\.1 restarted \(pid \d+ → \d+\)/ }).waitFor({ timeout: 20_000 });
    const after = (await ps(app.dir)).find((i) => i.name === 'web.1')?.pid;
    assert.ok(after !== undefined && after !== null && after !== before, `web.1's pid changed (${before} -> ${after})`);
    await eventually('the new pid in the row', async () => ((await tableRows(page)).find((r) => r.name === 'web.1')?.pid === String(after) ? true : undefined));

    // Scale web up, then down: a row comes and goes.
    await page.getByRole('button', { name: 'Scale web up', exact: true }).click();
    await page.locator('#formation tbody tr[data-name="web.2"]').waitFor({ timeout: 15_000 });
    assert.ok((await ps(app.dir)).some((i) => i.name === 'web.2'));
    await page.getByRole('button', { name: 'Scale web down', exact: true }).click();
    await page.locator('#formation tbody tr[data-name="web.2"]').waitFor({ state: 'detached', timeout: 15_000 });
    assert.ok(!(await ps(app.dir)).some((i) => i.name === 'web.2'));

    // A line an app prints is in the live log within a second.
    const webPort = Number((await tableRows(page)).find((r) => r.name === 'web.1')?.port);
    const marker = `marker-${Date.now()}`;
    await httpGet(webPort, `/${marker}`);
    const printed = Date.now();
    await page.locator('#log .line', { hasText: `request /${marker}` }).waitFor({ timeout: 1000 });
    assert.ok(Date.now() - printed < 1000);

    // Filtered to the worker, it is gone; back to all, it is there.
    await page.getByLabel('Process').selectOption('worker');
    assert.equal(await page.locator('#log .line', { hasText: marker }).count(), 0);
    assert.ok((await page.locator('#log .line[data-instance="worker.1"]').count()) > 0);
    await page.getByLabel('Process').selectOption('');
    assert.equal(await page.locator('#log .line', { hasText: marker }).count(), 1);

    // Paused, a new line is held; resumed, it shows.
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = `held-${Date.now()}`;
    await httpGet(webPort, `/${held}`);
    await page.locator('#held', { hasText: /new lines? held/ }).waitFor({ timeout: 2000 });
    assert.equal(await page.locator('#log .line', { hasText: held }).count(), 0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('#log .line', { hasText: held }).waitFor({ timeout: 1000 });

    // The search finds the stored line, highlighted (the store commits every 250 ms).
    await eventually('the stored line in the search results', async () => {
      await page.getByRole('searchbox', { name: 'Search the stored logs' }).fill(marker);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.locator('#search-summary', { hasText: /match/ }).waitFor({ timeout: 5000 });
      return (await page.locator('#search-results mark', { hasText: marker }).count()) > 0 ? true : undefined;
    });
    assert.equal(await page.locator('#search-results .line').count(), 1);

    // The router's numbers.
    for (let i = 0; i < 20; i++) {
      await httpGet(routerPort, `/r${i}`);
      await new Promise((r) => setTimeout(r, 150)); // over a few seconds, for the charts
    }
    await eventually('the router requests in the page', async () => {
      const text = (await page.locator('#router-rps').textContent()) ?? '';
      const m = /\((\d+) in all\)/.exec(text);
      return m && Number(m[1]) >= 20 ? true : undefined;
    });
    await page.locator('#router-classes', { hasText: '2xx' }).waitFor();
    await new Promise((r) => setTimeout(r, 2500)); // a few samples in the charts
    await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
    await page.locator('#search-results').screenshot({ path: join(shots, 'dashboard-search.png') });

    // Without the token: 401, for the page, the API and the assets; with a wrong one too.
    for (const path of ['/', '/api/status', '/api/events', '/dashboard.js', '/?token=wrong', '/api/logs?token=' + token.slice(0, -1)]) {
      assert.equal((await httpGet(port, path)).status, 401, path);
    }
    const json = { 'Content-Type': 'application/json' };
    const own = `http://127.0.0.1:${port}`;
    assert.equal((await httpRequest('POST', port, '/api/stop', { ...json, Origin: own }, '{"patterns":["web.1"]}')).status, 401, 'a POST without the token');
    // With the token but from another origin (or none, or another Host): 403.
    const cookie = { Cookie: `dozen_dashboard=${token}` };
    const foreign: Array<Record<string, string>> = [
      { Origin: 'http://evil.example' },
      {},
      { Origin: `http://127.0.0.1:${routerPort}` },
      { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` },
    ];
    for (const headers of foreign) {
      assert.equal((await httpRequest('POST', port, '/api/stop', { ...json, ...cookie, ...headers }, '{"patterns":["web.1"]}')).status, 403, JSON.stringify(headers));
    }

    // Another site open in the same browser (another port of 127.0.0.1: the same site for the
    // SameSite cookie, which the browser sends) posts a form to the dashboard: 403, nothing stopped.
    const evil = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<form method="POST" action="${own}/api/stop" enctype="text/plain"><input name='{"patterns":["web.1"],"x":"' value='"}'></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const attacker = await browser.page();
      const answer = attacker.waitForResponse((r) => r.url() === `${own}/api/stop`);
      await attacker.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      assert.equal((await answer).status(), 403);
      assert.equal((await ps(app.dir)).find((i) => i.name === 'web.1')?.state, 'running');
      await attacker.close();
    } finally {
      evil.close();
    }

    // No config value in anything the dashboard sent: the pages' bodies, the API, the stream.
    const direct = await Promise.all(
      ['/', '/dashboard.js', '/dashboard.css', '/api/status', '/api/releases', `/api/logs?search=${marker}`, '/api/logs'].map((p) =>
        httpGet(port, `${p}${p.includes('?') ? '&' : '?'}token=${token}`),
      ),
    );
    const stream = await readEvents(port, token, 2500);
    assert.match(stream, /event: status/);
    assert.match(stream, /beat \d+/);
    await browser.settle();
    assert.ok(browser.bodies.some((b) => b.url.endsWith('/dashboard.js')), 'the browser bodies were collected');
    for (const body of [...browser.bodies.map((b) => b.body), ...direct.map((d) => d.body), stream, await page.content()]) {
      assert.ok(!body.includes(SECRET), 'a config value reached the browser');
    }
    assert.ok(dozen.stdout().includes('SECRET_VALUE') === false);
  } finally {
    await browser.close();
    await runCli(['quit', '-d', app.dir]);
    await app.cleanup();
  }
});

test('the releases, and a rollback from the page switches the running formation', T, async () => {
  const server = (version: string) => `require('http').createServer((q, s) => s.end('${version}\\n')).listen(process.env.PORT, '127.0.0.1'); console.log('serving ${version}');\n`;
  const repo = gitApp({ Procfile: 'web: node server.js\n', 'server.js': server('commit-1') });
  const env = gitTestEnv() as Record<string, string>;
  const browser = await openBrowser();
  try {
    const dozen = (args: string[]) => runCli([...args, '-d', repo.dir], { env, timeoutMs: 120_000 });
    assert.equal((await dozen(['config', 'set', `SECRET_VALUE=${SECRET}`])).code, 0);
    assert.equal((await dozen(['deploy'])).code, 0);
    repo.commit({ 'server.js': server('commit-2') });
    assert.equal((await dozen(['deploy'])).code, 0);
    const base = await kernelFreePort();
    const { dozen: running, url } = await startDashboarded(['--release', '-d', repo.dir, '-p', String(base)], env);
    await running.waitForOutput(/serving commit-2/);
    const page = await browser.page();
    await page.goto(url);
    await page.locator('#releases tbody tr[data-version="2"]', { hasText: 'current' }).waitFor({ timeout: 10_000 });
    await eventually('web.1 on v2', async () => ((await tableRows(page)).find((r) => r.name === 'web.1')?.release === 'v2' ? true : undefined));
    assert.equal(await page.getByRole('button', { name: 'Roll back to v2', exact: true }).isDisabled(), true, 'the current release cannot be rolled back to');

    await page.getByRole('button', { name: 'Roll back to v1', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /v3: Rollback to v1/ }).waitFor({ timeout: 60_000 });
    await page.locator('#releases tbody tr[data-version="3"]', { hasText: 'current' }).waitFor({ timeout: 10_000 });
    await eventually('web.1 on v3', async () => ((await tableRows(page)).find((r) => r.name === 'web.1')?.release === 'v3' ? true : undefined), 30_000);
    const json = await ps(repo.dir, env);
    assert.deepEqual(json.map((i) => [i.name, i.release]), [['web.1', 'v3']]);
    const port = json[0]?.port ?? 0;
    assert.equal((await httpGet(port, '/')).body, 'commit-1\n');
    await page.locator('#releases').screenshot({ path: join(shots, 'dashboard-releases.png') });

    await browser.settle();
    for (const body of [...browser.bodies.map((b) => b.body), await page.content()]) assert.ok(!body.includes(SECRET), 'a config value reached the browser');
  } finally {
    await browser.close();
    await runCli(['quit', '-d', repo.dir], { env });
    repo.cleanup();
  }
});
