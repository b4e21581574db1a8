// The control socket's `logs` method over a real unix socket: a query, then a follow that pushes
// each commit, with a fake supervisor and a log store in memory behind it.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimControlSocket, type ControlSocketClaim } from '../../src/control/claim.js';
import { ControlClient, ControlRequestError, type WireEvent } from '../../src/control/client.js';
import { attachControlServer } from '../../src/control/server.js';
import { ensureStateDir } from '../../src/platform/state-dir.js';
import { ArrayFeed } from './array-feed.js';
import { FakeSupervisor, spec } from './fake-supervisor.js';

let root: string;
let claim: ControlSocketClaim | undefined;
let client: ControlClient | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dozen-logs-ctl-'));
});

afterEach(async () => {
  client?.close();
  await claim?.release();
  rmSync(root, { recursive: true, force: true });
});

async function serve(feed: ArrayFeed | undefined): Promise<ControlClient> {
  const stateDir = ensureStateDir(root, {});
  claim = await claimControlSocket(stateDir, { version: '9.9.9' });
  attachControlServer(new FakeSupervisor([spec('web.1', 5000)]), { stateDir, logs: () => feed });
  client = await ControlClient.connect(claim.socketPath);
  return client;
}

/** Resolves once `events` holds `count` lines (bounded: fails with what arrived). */
async function linesArrived(events: WireEvent[], count: number): Promise<string[]> {
  const texts = () => events.flatMap((e) => (e.type === 'log-lines' ? (e.lines as Array<{ text: string }>).map((l) => l.text) : []));
  const deadline = Date.now() + 5_000;
  while (texts().length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} lines, got ${JSON.stringify(texts())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return texts();
}

test('logs: the last matching lines and the cursor', { timeout: 10_000 }, async () => {
  const feed = new ArrayFeed();
  feed.store(5);
  const c = await serve(feed);
  const result = await c.call({ method: 'logs', params: { filter: { num: '2' } } });
  assert.deepEqual([result.lines.map((l) => l.text), result.cursor], [['line 4', 'line 5'], 5]);
});

test('logs with follow: each commit after the cursor is pushed, in order; a hang-up ends the follow', { timeout: 10_000 }, async () => {
  const feed = new ArrayFeed();
  feed.store(3);
  const c = await serve(feed);
  const events: WireEvent[] = [];
  const first = await c.call({ method: 'logs', params: { filter: { grep: 'line' }, follow: true, after: 1 } }, (e) => events.push(e));
  assert.deepEqual(first, { lines: [], cursor: 1 });
  assert.deepEqual(await linesArrived(events, 2), ['line 2', 'line 3'], 'what was stored after the cursor');
  feed.store(4);
  assert.deepEqual(await linesArrived(events, 6), ['line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
  c.close();
  await c.closed;
  const deadline = Date.now() + 5_000;
  while (feed.listenerCount() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(feed.listenerCount(), 0, 'the follow stopped with the connection');
});

test('logs: a dozen without a store says it cannot', { timeout: 10_000 }, async () => {
  const c = await serve(undefined);
  await assert.rejects(
    c.call({ method: 'logs', params: { filter: {} } }),
    (err: unknown) => err instanceof ControlRequestError && err.code === 'unsupported' && /no log store/.test(err.message),
  );
});

test('logs: a bad filter is a bad request naming the flag', { timeout: 10_000 }, async () => {
  const c = await serve(new ArrayFeed());
  await assert.rejects(
    c.call({ method: 'logs', params: { filter: { grep: '(' }, follow: true } }),
    (err: unknown) => err instanceof ControlRequestError && err.code === 'bad-request' && /^--grep: invalid regular expression/.test(err.message),
  );
});
