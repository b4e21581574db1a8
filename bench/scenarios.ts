// The scenarios of issue 3, each run once against one manager. A run gets its own temporary
// folder and a unique token in every command line, so its processes can be found in /proc,
// measured, and killed afterwards whatever the manager did with them.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFlood, floodCommand, type FloodCheck } from './flood-check.js';
import { cmdline, killPids, liveTree, readProcTable, rssKiB, tokenPids } from './procs.js';
import type { App, Manager } from './managers.js';

export interface Measurement {
  /** Milliseconds, MiB or a count, depending on the metric. */
  value: number;
  flood?: FloodCheck;
  /** Scenario processes still running (shutdown: 1 s after the manager exited). */
  left?: number;
  /** Scenario processes running before the manager was killed (survivors). */
  of?: number;
}

export type Metric = 'flood' | 'web' | 'shutdown' | 'rss10' | 'rss100' | 'start100' | 'survivors';

export interface ScenarioOptions {
  /** Lines per flood process (issue 3: 200,000). */
  floodLines: number;
}

/** Keep each run's folder (config, out.txt, err.txt) for a look afterwards. */
export const settings = { keep: false };

/** Managers that never exit when their programs do (the harness stops them once the work is done). */
const DAEMONS = new Set(['supervisord']);

interface Running {
  child: ChildProcess;
  pid: number;
  /** Resolves with the time of exit (performance.now()). */
  exited: Promise<number>;
  hasExited: () => boolean;
  dir: string;
  token: string;
}

function newRun(): { dir: string; token: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-bench-'));
  // A number, so that `sleep <token>` is a valid (long) sleep and unique on the machine.
  const token = String(900_000 + Math.floor(Math.random() * 99_999));
  return { dir, token };
}

/** Starts the manager in `dir`, its stdout to out.txt, its stderr to err.txt. */
function launch(manager: Manager, app: App, dir: string, token: string): Running {
  const launchSpec = manager.prepare(dir, app);
  // A file, not a socket: supervisord cannot reopen a socket as /dev/stdout (ENXIO). In append
  // mode, so that its own log lines cannot overwrite what its programs appended.
  const outFd = openSync(join(dir, 'out.txt'), 'a');
  const errFd = openSync(join(dir, 'err.txt'), 'w');
  const env: NodeJS.ProcessEnv = { ...process.env, ...launchSpec.env };
  delete env.FORCE_COLOR;
  const child = spawn(launchSpec.argv[0]!, launchSpec.argv.slice(1), {
    cwd: dir,
    env,
    stdio: ['ignore', outFd, errFd],
    detached: true, // its own group: the harness can clean up after it
  });
  closeSync(outFd);
  closeSync(errFd);
  let done = false;
  const exited = new Promise<number>((resolve, reject) => {
    child.once('exit', () => {
      done = true;
      resolve(performance.now());
    });
    child.once('error', reject);
  });
  if (child.pid === undefined) throw new Error(`${manager.id}: could not start ${launchSpec.argv[0]}`);
  return { child, pid: child.pid, exited, hasExited: () => done, dir, token };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` until true; throws after `timeoutMs`, saying what was awaited. */
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function within<T>(what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stop the manager (SIGTERM, then SIGKILL to its group) and kill whatever of the run is left. */
async function cleanUp(run: Running): Promise<void> {
  const tree = liveTree(run.pid).map((p) => p.pid);
  if (!run.hasExited()) {
    signal(run.pid, 'SIGTERM');
    await Promise.race([run.exited, sleep(10_000)]);
    if (!run.hasExited()) signal(-run.pid, 'SIGKILL');
  }
  killPids(tree);
  await waitFor('the scenario processes to die', () => {
    const left = tokenPids(run.token);
    killPids(left);
    return left.length === 0;
  }, 10_000, 50);
  if (settings.keep) console.log(`kept ${run.dir}`);
  else rmSync(run.dir, { recursive: true, force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The manager's stderr, for error messages. */
function stderrTail(run: Running): string {
  const text = existsSync(join(run.dir, 'err.txt')) ? readFileSync(join(run.dir, 'err.txt'), 'utf8').trim() : '';
  return text ? `; its stderr ends: ${text.split('\n').slice(-3).join(' / ')}` : '';
}

async function guarded<T>(run: Running, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new Error(`${(err as Error).message}${stderrTail(run)}`);
  } finally {
    await cleanUp(run);
  }
}

/** (1) 2 processes × N numbered lines, the manager's stdout to a file. */
export async function flood(manager: Manager, opts: ScenarioOptions): Promise<Measurement> {
  const { dir, token } = newRun();
  const names = ['a', 'b'];
  // Each process prints its lines, then waits for the other one, so that managers which stop
  // everything when one process exits (foreman) still let both floods finish.
  const barrier = names.map((n) => `[ -e ${dir}/done.${n} ]`).join(' && ');
  const app: App = {
    procs: names.map((name) => ({
      name,
      command: `${floodCommand(name, opts.floodLines)}; touch ${dir}/done.${name}; until ${barrier}; do sleep 0.01; done`,
    })),
  };
  const t0 = performance.now();
  const run = launch(manager, app, dir, token);
  return guarded(run, async () => {
    if (DAEMONS.has(manager.id)) {
      await waitFor('both floods to finish', () => names.every((n) => existsSync(join(dir, `done.${n}`))), 300_000);
      await waitFor('the flood processes to exit', () => liveTree(run.pid).length <= 1, 30_000);
      signal(run.pid, 'SIGTERM');
    }
    const end = await within('the manager to exit', run.exited, 300_000);
    const check = checkFlood(readFileSync(join(dir, 'out.txt'), 'latin1'), names, opts.floodLines);
    return { value: end - t0, flood: check };
  });
}

/** (2) Time until a web process accepts connections on its port. */
export async function webReady(manager: Manager): Promise<Measurement> {
  const { dir, token } = newRun();
  const port = await freePort();
  writeServer(dir);
  const app: App = { procs: [{ name: 'web', command: `${process.execPath} ${dir}/server.cjs ${token}` }], port };
  const t0 = performance.now();
  const run = launch(manager, app, dir, token);
  return guarded(run, async () => {
    await waitFor(`port ${port} to accept`, async () => !run.hasExited() && (await accepts(port)), 30_000, 5);
    return { value: performance.now() - t0 };
  });
}

/** (3) Time from SIGTERM to the manager's exit, with a web process and a worker running. */
export async function shutdown(manager: Manager): Promise<Measurement> {
  const { dir, token } = newRun();
  const port = await freePort();
  writeServer(dir);
  const app: App = {
    procs: [
      { name: 'web', command: `${process.execPath} ${dir}/server.cjs ${token}` },
      { name: 'worker', command: `sleep ${token}` },
    ],
    port,
  };
  const run = launch(manager, app, dir, token);
  return guarded(run, async () => {
    await waitFor(`port ${port} to accept`, () => accepts(port), 30_000, 20);
    await waitFor('the worker to run', () => sleepers(token) >= 1, 30_000, 50);
    await sleep(300);
    const t0 = performance.now();
    signal(run.pid, 'SIGTERM');
    const end = await within('the manager to exit after SIGTERM', run.exited, 60_000);
    await sleep(1000);
    return { value: end - t0, left: tokenPids(token).length };
  });
}

/** (4)+(6) N idle processes: time until each printed its line, then the manager's memory. */
export async function idle(manager: Manager, n: number): Promise<{ startMs: Measurement; rssMiB: Measurement }> {
  const { dir, token } = newRun();
  const marker = `ready-${token}`;
  const app: App = {
    procs: Array.from({ length: n }, (_, i) => ({ name: `p${i + 1}`, command: `echo ${marker} ${i + 1}; exec sleep ${token}` })),
  };
  const t0 = performance.now();
  const run = launch(manager, app, dir, token);
  const ready = new ReadyCounter(join(dir, 'out.txt'), marker);
  return guarded(run, async () => {
    try {
      await waitFor(`${n} processes to print their line`, () => ready.count() >= n, 60_000, 5);
    } finally {
      ready.close();
    }
    const allSeenAt = performance.now();
    await sleep(1000); // let the manager settle before reading its memory
    const table = readProcTable();
    // The manager and its helpers; the apps (and their shells) carry the token.
    const own = liveTree(run.pid, table).filter((p) => p.pid === run.pid || !cmdline(p.pid).includes(token));
    const kib = own.reduce((sum, p) => sum + rssKiB(p.pid), 0);
    return { startMs: { value: allSeenAt - t0 }, rssMiB: { value: kib / 1024 } };
  });
}

/** (5) Scenario processes still alive 2 s after the manager is SIGKILLed. */
export async function survivors(manager: Manager): Promise<Measurement> {
  const { dir, token } = newRun();
  const app: App = {
    procs: ['a', 'b'].map((name) => ({ name, command: `sleep ${token} & wait` })),
  };
  const run = launch(manager, app, dir, token);
  return guarded(run, async () => {
    await waitFor('both processes and their grandchildren to run', () => sleepers(token) >= 2, 30_000, 50);
    await sleep(500);
    const before = tokenPids(token).filter((pid) => pid !== run.pid).length;
    signal(run.pid, 'SIGKILL');
    await within('the manager to die', run.exited, 10_000);
    await sleep(2000);
    return { value: tokenPids(token).length, of: before };
  });
}

/** Counts the processes that printed `<marker> <n>` in a growing file, reading only what was added. */
class ReadyCounter {
  private offset = 0;
  private readonly seen = new Set<string>();
  private tail = '';
  private readonly fd: number;
  private readonly pattern: RegExp;
  constructor(path: string, marker: string) {
    this.fd = openSync(path, 'r');
    // At the end of the line: a manager echoing the command line does not count.
    this.pattern = new RegExp(`${marker} (\\d+)\\s*$`);
  }
  count(): number {
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      const lines = (this.tail + buf.toString('latin1', 0, n)).split('\n');
      this.tail = lines.pop()!;
      for (const line of lines) {
        const m = this.pattern.exec(line);
        if (m) this.seen.add(m[1]!);
      }
    }
    return this.seen.size;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** How many `sleep <token>` processes run. */
function sleepers(token: string): number {
  return tokenPids(token).filter((pid) => cmdline(pid) === `sleep ${token}`).length;
}

function writeServer(dir: string): void {
  writeFileSync(
    join(dir, 'server.cjs'),
    "require('http').createServer((q, r) => r.end('ok\\n')).listen(Number(process.env.PORT));\n",
  );
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A port nobody listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
