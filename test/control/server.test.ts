// The control protocol end to end over a real unix socket, with a fake supervisor behind it.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimControlSocket, type ControlSocketClaim } from '../../src/control/claim.js';
import { ControlClient, ControlRequestError, connectToApp, type WireEvent } from '../../src/control/client.js';
import { attachControlServer } from '../../src/control/server.js';
import { DozenError, ExitCode } from '../../src/errors.js';
import { ensureStateDir } from '../../src/platform/state-dir.js';
import { waitUntil } from '../fixtures/harness.js';
import { FakeSupervisor, spec } from './fake-supervisor.js';

let root: string;
let stateDir: string;
let claim: ControlSocketClaim | undefined;
const clients: ControlClient[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dozen-ctl-'));
  stateDir = ensureStateDir(root, {});
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await claim?.release();
  claim = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function serve(sup: FakeSupervisor, scale = true): Promise<ControlClient> {
  claim = await claimControlSocket(stateDir, { version: '9.9.9' });
  attachControlServer(sup, {
    stateDir,
    ...(scale ? { model: { instances: planWeb } } : {}),
  });
  return client();
}

async function client(): Promise<ControlClient> {
  const c = await ControlClient.connect(claim?.socketPath as string);
  clients.push(c);
  return c;
}

/** A tiny planner: `web=N` / `worker=N` -> instances on the formula ports (base 5000). */
function planWeb(formation: string) {
  const specs = [];
  for (const piece of formation.split(',')) {
    const [type, count] = piece.split('=');
    if (type !== 'web' && type !== 'worker') throw new DozenError('formation', `formation "${formation}": unknown type ${type}`);
    for (let n = 1; n <= Number(count); n++) specs.push(spec(`${type}.${n}`, 5000 + (type === 'web' ? 0 : 100) + n - 1));
  }
  return specs;
}

const twoWebs = () => new FakeSupervisor([spec('web.1', 5000), spec('web.2', 5001), spec('worker.1', 5100)]);

test('the state folder is 0700, the socket 0600, and the socket is removed on release', async () => {
  const c = await serve(twoWebs());
  assert.equal(statSync(stateDir).mode & 0o777, 0o700);
  const socketPath = join(stateDir, 'control.sock');
  assert.equal(claim?.socketPath, socketPath);
  assert.ok(statSync(socketPath).isSocket());
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  c.close();
  await claim?.release();
  assert.equal(existsSync(socketPath), false);
});

test('hello and status: who runs, and every instance with nulls for what it lacks', async () => {
  const sup = twoWebs();
  await sup.stop(['worker.1']);
  const c = await serve(sup);
  const hello = await c.call({ method: 'hello' });
  assert.deepEqual({ pid: hello.pid, version: hello.version, protocol: hello.protocol, phase: hello.phase }, { pid: process.pid, version: '9.9.9', protocol: 1, phase: 'running' });
  const { server, instances } = await c.call({ method: 'status', params: { cpuSampleMs: 0 } });
  assert.equal(server.pid, process.pid);
  assert.deepEqual(
    instances.map((i) => [i.name, i.type, i.state, i.port, i.ready, i.restarts]),
    [['web.1', 'web', 'running', 5000, true, 0], ['web.2', 'web', 'running', 5001, true, 0], ['worker.1', 'worker', 'stopped', 5100, true, 0]],
  );
  const stopped = instances[2];
  assert.deepEqual([stopped?.pid, stopped?.uptimeMs, stopped?.cpuPercent, stopped?.rssBytes, stopped?.lastExit], [null, null, null, null, { reason: 'signal', signal: 'SIGTERM' }]);
  assert.ok((instances[0]?.uptimeMs ?? -1) >= 0);
});

test('restart: patterns resolved to instances, pids before and after', async () => {
  const sup = twoWebs();
  const c = await serve(sup);
  const before = sup.status();
  const result = await c.call({ method: 'restart', params: { patterns: ['web.*'] } });
  assert.deepEqual(sup.calls, [{ method: 'restart', args: ['web.1', 'web.2'] }]);
  assert.deepEqual(
    result.instances.map((i) => [i.name, i.pidBefore, i.state]),
    [['web.1', before[0]?.pid, 'running'], ['web.2', before[1]?.pid, 'running']],
  );
  assert.notEqual(result.instances[0]?.pid, before[0]?.pid);
});

test('restart with no pattern asks for every instance, in formation order', async () => {
  const sup = twoWebs();
  const c = await serve(sup);
  await c.call({ method: 'restart', params: { patterns: [] } });
  assert.deepEqual(sup.calls, [{ method: 'restart', args: ['web.1', 'web.2', 'worker.1'] }]);
});

test('a pattern that matches nothing: no-match error listing the instances, and nothing done', async () => {
  const sup = twoWebs();
  const c = await serve(sup);
  await assert.rejects(c.call({ method: 'stop', params: { patterns: ['wrk'] } }), (err: unknown) => {
    assert.ok(err instanceof ControlRequestError);
    assert.equal(err.code, 'no-match');
    assert.equal(err.message, '"wrk" matched no instance (instances: web.1, web.2, worker.1)');
    return true;
  });
  assert.deepEqual(sup.calls, []);
});

test('scale: removes the highest-numbered first, adds with formula ports', async () => {
  const sup = twoWebs();
  const c = await serve(sup);
  const down = await c.call({ method: 'scale', params: { formation: 'web=1,worker=3' } });
  assert.deepEqual(down, { added: [{ name: 'worker.2', port: 5101 }, { name: 'worker.3', port: 5102 }], removed: ['web.2'] });
  assert.deepEqual(sup.calls, [{ method: 'remove', args: ['web.2'] }, { method: 'add', args: ['worker.2', 'worker.3'] }]);
  assert.deepEqual(sup.specs().map((s) => s.name), ['web.1', 'worker.1', 'worker.2', 'worker.3']);
});

test('scale: a bad spec is a formation error; a dozen without a planner says it cannot scale', async () => {
  const c = await serve(twoWebs());
  await assert.rejects(c.call({ method: 'scale', params: { formation: 'db=2' } }), (err: unknown) => err instanceof ControlRequestError && err.code === 'formation' && /unknown type db/.test(err.message));
  await claim?.release();
  const c2 = await serve(twoWebs(), false);
  await assert.rejects(c2.call({ method: 'scale', params: { formation: 'web=2' } }), (err: unknown) => err instanceof ControlRequestError && err.code === 'unsupported');
});

test('quit answers with the pid, shuts the supervisor down once, and the disposer hangs up', async () => {
  const sup = twoWebs();
  claim = await claimControlSocket(stateDir);
  const { close: dispose } = attachControlServer(sup, { stateDir });
  const c = await client();
  assert.deepEqual(await c.call({ method: 'quit' }), { pid: process.pid });
  assert.deepEqual(await c.call({ method: 'quit' }), { pid: process.pid });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sup.calls, [{ method: 'shutdown', args: 'dozen quit' }]);
  await dispose();
  await c.closed; // bounded by the test's timeout
  assert.equal(existsSync(join(stateDir, 'control.sock')), false);
});

test('subscribe streams events as JSON, output as text, until the client hangs up', { timeout: 10_000 }, async () => {
  const sup = twoWebs();
  const c = await serve(sup);
  const events: WireEvent[] = [];
  const listenersBefore = sup.listenerCount();
  await c.subscribe((e) => events.push(e));
  sup.emit({ type: 'output', at: 1, instance: 'web.1', stream: 'stdout', data: Buffer.from('héllo\nworld\n') });
  sup.emit({ type: 'exited', at: 2, instance: 'web.2', pid: 7, outcome: { reason: 'exit-code', code: 3 }, uptimeMs: 10 });
  await c.call({ method: 'hello' }); // a round trip: the events were written before its answer
  assert.deepEqual(events, [
    { type: 'output', at: 1, instance: 'web.1', stream: 'stdout', data: 'héllo\nworld\n' },
    { type: 'exited', at: 2, instance: 'web.2', pid: 7, outcome: { reason: 'exit-code', code: 3 }, uptimeMs: 10 },
  ]);
  assert.equal(sup.listenerCount(), listenersBefore + 1);
  c.close();
  await c.closed;
  // The server sees the hang-up a moment later: wait for the listener to go, bounded.
  await waitUntil(() => sup.listenerCount() <= listenersBefore, 'the server to drop the listener', 2_000, () => `${sup.listenerCount()} listeners, ${listenersBefore} before`);
  assert.equal(sup.listenerCount(), listenersBefore);
});

test('bad lines get error answers and the connection keeps working', async () => {
  await serve(twoWebs());
  const socket = connect(claim?.socketPath as string);
  const lines: string[] = [];
  let buffer = '';
  socket.setEncoding('utf8').on('data', (s: string) => {
    buffer += s;
    lines.push(...buffer.split('\n').slice(0, -1));
    buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
  });
  socket.write('nonsense\n{"v":1,"id":5,"method":"fly"}\n{"v":1,"id":6,"method":"hello"}\n');
  await waitUntil(() => lines.length >= 3, 'three answers', 3_000, () => `answers: ${lines.join('\n') || 'none'}; unfinished: ${JSON.stringify(buffer)}`);
  socket.destroy();
  const answers = lines.map((l) => JSON.parse(l) as { id: number | null; ok: boolean; error?: { code: string } });
  assert.deepEqual(answers.map((a) => [a.id, a.ok, a.error?.code]), [[null, false, 'bad-request'], [5, false, 'bad-request'], [6, true, undefined]]);
});

test('before the supervisor is attached: hello and status say "starting", the rest is refused', async () => {
  claim = await claimControlSocket(stateDir);
  const c = await client();
  assert.equal((await c.call({ method: 'hello' })).phase, 'starting');
  assert.deepEqual((await c.call({ method: 'status' })).instances, []);
  await assert.rejects(c.call({ method: 'restart', params: { patterns: [] } }), (err: unknown) => err instanceof ControlRequestError && err.code === 'starting');
});

test('phase: starting while only the release runs, running once an instance is spawned, then stopping', async () => {
  const sup = twoWebs();
  for (const name of ['web.1', 'web.2', 'worker.1']) sup.setState(name, 'pending');
  const c = await serve(sup);
  const phase = async () => (await c.call({ method: 'hello' })).phase;
  assert.equal(await phase(), 'starting');
  sup.emit({ type: 'spawned', at: 1, instance: 'release', pid: 5, port: undefined });
  assert.equal(await phase(), 'starting');
  const { instances } = await c.call({ method: 'status', params: { cpuSampleMs: 0 } });
  assert.deepEqual(instances.map((i) => [i.name, i.state, i.pid]), [['web.1', 'pending', null], ['web.2', 'pending', null], ['worker.1', 'pending', null]]);
  sup.emit({ type: 'spawned', at: 2, instance: 'web.1', pid: 6, port: 5000 });
  assert.equal(await phase(), 'running');
  sup.emit({ type: 'formation-stopping', at: 3, reason: 'test', signal: 'SIGTERM' });
  assert.equal(await phase(), 'stopping');
});

test('no socket: one line naming the root and the socket path, exit code unavailable', async () => {
  const socketPath = join(stateDir, 'control.sock');
  await assert.rejects(connectToApp(root, socketPath), (err: unknown) => {
    assert.ok(err instanceof DozenError);
    assert.equal(err.exitCode, ExitCode.unavailable);
    assert.equal(err.oneLine(), `no running dozen for ${root} (no control socket at ${socketPath})`);
    return true;
  });
});

/** Runs claim-child.js; resolves with its first line once it printed one. */
function claimInChild(dir: string): Promise<{ child: ChildProcess; line: string }> {
  const script = fileURLToPath(new URL('./claim-child.js', import.meta.url));
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`claim-child printed nothing in 10 s: ${out}`)), 10_000);
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const claimedOrRefused = out.split('\n').find((l) => l.startsWith('claimed') || l.startsWith('refused'));
      if (claimedOrRefused) {
        clearTimeout(timer);
        resolve({ child, line: out.trim() });
      }
    });
  });
}

test('a second claim from another process is refused, naming the pid of the first', { timeout: 15_000 }, async () => {
  claim = await claimControlSocket(stateDir);
  attachControlServer(twoWebs(), { stateDir });
  const { line } = await claimInChild(stateDir);
  assert.equal(line, `refused dozen is already running for this app (pid ${process.pid}). Use \`dozen ps\`, \`dozen restart\` or \`dozen quit\` to talk to it.`);
});

test('a stale socket left by a killed dozen is replaced, with a note saying so', { timeout: 15_000 }, async () => {
  const first = await claimInChild(stateDir);
  assert.match(first.line, /^claimed \d+$/);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const socketPath = join(stateDir, 'control.sock');
  assert.ok(statSync(socketPath).isSocket(), 'SIGKILL leaves the socket file behind');
  claim = await claimControlSocket(stateDir);
  assert.deepEqual(claim.notes, [`replaced a stale control socket at ${socketPath} (the dozen that made it is gone)`]);
  const c = await client();
  assert.equal((await c.call({ method: 'hello' })).pid, process.pid);
});

test('a file that is not a socket in its place is not removed', async () => {
  writeFileSync(join(stateDir, 'control.sock'), 'mine');
  await assert.rejects(claimControlSocket(stateDir), /exists and is not a socket/);
  assert.equal(statSync(join(stateDir, 'control.sock')).isFile(), true);
});

test('the .gitignore hint: once, only inside a git repository, only when not listed', async () => {
  const { gitignoreHint, listsFolder } = await import('../../src/control/gitignore-hint.js');
  assert.equal(gitignoreHint(root, stateDir), undefined, 'no git repository');
  writeFileSync(join(root, '.git'), 'gitdir: elsewhere\n'); // a worktree's .git file counts
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n');
  assert.equal(gitignoreHint(root, stateDir), `add ".dozen/" to ${join(root, '.gitignore')}: it holds dozen's control socket, logs and config store`);
  assert.equal(gitignoreHint(root, stateDir), undefined, 'said once');
  for (const listed of ['.dozen', '.dozen/', '/.dozen/', '.dozen/*', '**/.dozen']) assert.ok(listsFolder(`# x\n${listed}\n`, '.dozen'), listed);
  for (const other of ['# .dozen', '!.dozen', '.dozens', 'x/.dozen']) assert.equal(listsFolder(`${other}\n`, '.dozen'), false, other);
});

test('a subscriber that stops reading loses output events, is told how many, and dozen does not wait for it', { timeout: 20_000 }, async () => {
  const sup = twoWebs();
  await serve(sup);
  const socket = connect(claim?.socketPath as string);
  const events: Array<{ type: string; count?: number }> = [];
  let buffer = '';
  socket.setEncoding('utf8').on('data', (s: string) => {
    buffer += s;
    const lines = buffer.split('\n');
    buffer = lines.pop() as string;
    for (const line of lines) {
      const message = JSON.parse(line) as { event?: { type: string; count?: number } };
      if (message.event) events.push({ type: message.event.type, count: message.event.count });
    }
  });
  socket.write('{"v":1,"id":1,"method":"subscribe"}\n');
  await waitUntil(() => sup.listenerCount() >= 2, 'the subscription', 3_000, () => `${sup.listenerCount()} listeners`);
  socket.pause(); // a client that no longer reads
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  chunk[chunk.length - 1] = 10;
  // 32 MiB of output, emitted synchronously as the supervisor would: none of it may block.
  for (let i = 0; i < 32; i++) sup.emit({ type: 'output', at: i, instance: 'web.1', stream: 'stdout', data: chunk });
  socket.resume();
  // Keep emitting small non-output events until the notice arrives (bounded).
  let ticks = 0;
  await waitUntil(
    () => {
      if (events.some((e) => e.type === 'dropped')) return true;
      sup.emit({ type: 'message', at: ticks++, level: 'info', text: 'tick' });
      return false;
    },
    'a dropped notice',
    5_000,
    () => `${ticks} ticks emitted; events received: ${[...new Set(events.map((e) => e.type))].map((type) => `${events.filter((e) => e.type === type).length} ${type}`).join(', ') || 'none'}`,
  );
  socket.destroy();
  const outputs = events.filter((e) => e.type === 'output').length;
  const dropped = events.find((e) => e.type === 'dropped');
  assert.ok(dropped, 'a dropped notice arrived');
  assert.ok(outputs >= 8 && outputs < 32, `${outputs} output events delivered`);
  assert.equal((dropped.count ?? 0) + outputs, 32, 'every output event is either delivered or counted');
});

/** Writes `lines` on a raw connection, half-closes it as `nc -N` does, and collects what comes back until the server closes. */
function halfClosedExchange(socketPath: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.setEncoding('utf8').on('data', (s: string) => (text += s));
    socket.on('error', reject);
    socket.on('close', () => resolve(text.split('\n').filter((l) => l !== '')));
    socket.end(lines.map((l) => `${l}\n`).join(''));
  });
}

test('a client that half-closes its side after its requests (nc -N) gets every answer, then the server hangs up', { timeout: 10_000 }, async () => {
  await serve(new FakeSupervisor([spec('web.1', 5000)]));
  const answers = await halfClosedExchange(claim?.socketPath as string, ['{"v":1,"id":1,"method":"hello"}', '{"v":1,"id":2,"method":"status"}']);
  assert.equal(answers.length, 2, answers.join('\n'));
  const [hello, status] = answers.map((a) => JSON.parse(a) as { id: number; ok: boolean; result: Record<string, unknown> });
  assert.deepEqual([hello?.id, hello?.ok, status?.id, status?.ok], [1, true, 2, true]);
  assert.equal(hello?.result.pid, process.pid);
});
