// The doctor's run: the app's release phase, then one instance of each process type, under
// dozen's own supervisor (process groups, the no-orphan watchdog), with the app's config, on
// free ports, with a private state folder; watched through the supervisor's events and /proc
// (ProcWatch). Then each type is put through sudden death (SIGKILL, started again) and a
// SIGTERM. Whatever happens, everything started is stopped, every process carrying the run's
// marker is killed and the state folder removed. The app's files are never touched: what the
// processes themselves write is what factors V and VI report.
//
//   release phase ─► formation: boot (until each type is ready, has exited, or runs) ─► window
//   ─► per type, in parallel: SIGKILL, start again, ready? ─► SIGTERM, stopped in time? ─► cleanup
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ProcessSpec } from '../../formation/types.js';
import { kernelFreePort } from '../../platform/free-port.js';
import { signalGroup } from '../../platform/signals.js';
import { RELEASE_TYPE, type ProcfileEntry } from '../../procfile/types.js';
import type { SupervisorEvent } from '../../supervisor/events.js';
import { exitCodeOf } from '../../supervisor/outcome.js';
import { createSupervisor, type Supervisor } from '../../supervisor/supervisor.js';
import type { AppFacts, RunObservations, TypeObservation } from '../types.js';
import { readListenInodes } from './listen-sockets.js';
import { MARKER_VAR, markedProcesses, ProcWatch, readEnviron, type MarkedProcess } from './proc-watch.js';
import { differingKeys, readRunEnv, type RunEnvResult } from './run-config.js';
import { diffTrees, snapshotTree } from './tree-snapshot.js';

export interface ObserveOptions {
  /** How long a process may take to be ready (web: its port accepts). */
  bootTimeoutMs: number;
  /** How long SIGTERM gets before SIGKILL. */
  stopTimeoutMs: number;
  /** The dozen CLI entry (`bin/dozen`, or a `.js` file run with this Node) for `dozen run`. */
  dozenCli: string;
  /** Aborting (Ctrl-C) stops the run at once: everything is stopped and the result is `skipped`. */
  signal?: AbortSignal;
  /** The marker's token (default: random), so a caller can look for leftovers. */
  token?: string;
}

/** /proc is sampled this often while the app runs. */
export const SAMPLE_MS = 150;
/** Once every type is ready, has exited or runs, the processes are watched this much longer. */
export const OBSERVE_WINDOW_MS = 1_500;
/** After a SIGKILL, a type that does not listen counts as back when it still runs after this long. */
export const RECOVERY_WINDOW_MS = 1_000;
/** The kernel's LISTEN tables are read again at least this often (and whenever a new socket shows). */
const LISTEN_REFRESH_MS = 1_000;
/** Added to the stop timeout for a stop to complete (the group emptied, zombies reaped). */
const STOP_SLACK_MS = 3_000;
/** Lines of output kept per type, for the evidence of a failed start. */
const LAST_LINES = 5;
const LINE_MAX = 200;

/** Runs the app as the brief above says and returns what was seen. Never throws for what the app does. */
export async function observeApp(facts: AppFacts, opts: ObserveOptions): Promise<RunObservations> {
  const base: RunObservations = { bootTimeoutMs: opts.bootTimeoutMs, stopTimeoutMs: opts.stopTimeoutMs, types: [], changedFiles: [] };
  const skip = (why: string): RunObservations => ({ ...base, skipped: why });
  if (facts.procfile === undefined) return skip('no Procfile: nothing to run');
  const entries = facts.procfile.entries.filter((e) => e.name !== RELEASE_TYPE);
  if (entries.length === 0) return skip('the Procfile declares no process types');
  if (opts.signal?.aborted) return skip('interrupted');
  const run = new DoctorRun(facts, facts.procfile.entries.find((e) => e.name === RELEASE_TYPE), entries, opts);
  return run.observe(base);
}

type Stage = 'boot' | 'killing' | 'restarted' | 'stopping' | 'done';

/** One process type's instance (`<type>.1`) through the run. */
interface TypeRun {
  entry: ProcfileEntry;
  spec: ProcessSpec;
  stage: Stage;
  /** The group leaders of its runs (each run is a process group of its own). */
  leaders: Set<number>;
  spawnedAt?: number;
  readyAfterMs?: number;
  exitedOnItsOwn?: TypeObservation['exitedOnItsOwn'];
  leftBehind?: Array<{ pid: number; command: string }>;
  lastOutput: string[];
  /** The output of the run started after the SIGKILL. */
  restartOutput: string[];
  listened: Set<number>;
  escaped: Map<number, string>;
  killExited: boolean;
  restartReady: boolean;
  restartExited: boolean;
  recovered?: boolean;
  stopFrom?: number;
  stopKilled: boolean;
  stop?: { graceful: boolean; afterMs: number };
}

interface Waiter {
  done: () => boolean;
  resolve: (met: boolean) => void;
}

class DoctorRun {
  private readonly token: string;
  private readonly stateDir: string;
  private readonly watch: ProcWatch;
  private readonly types = new Map<string, TypeRun>();
  private readonly waiters = new Set<Waiter>();
  private readonly supervisors: Array<{ sup: Supervisor; done: Promise<number> }> = [];
  private formation: Supervisor | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private listenRead: Promise<void> | undefined;
  private lastListenRead = 0;
  private readonly socketsLookedUp = new Set<string>();
  private aborted = false;
  /** A sample that failed (an unexpected error reading /proc): sampling stops, the run is cleaned up, then it is thrown. */
  private sampleError: unknown;
  private releasePhase: RunObservations['releasePhase'];
  private readonly inherited: NodeJS.ProcessEnv;

  constructor(
    private readonly facts: AppFacts,
    private readonly releaseEntry: ProcfileEntry | undefined,
    private readonly entries: ProcfileEntry[],
    private readonly opts: ObserveOptions,
  ) {
    this.token = opts.token ?? randomBytes(8).toString('hex');
    this.stateDir = mkdtempSync(join(tmpdir(), 'dozen-doctor-'));
    this.watch = new ProcWatch(this.token);
    this.inherited = { ...process.env };
    // PYTHONUNBUFFERED: dozen start adds it, a platform may not; the doctor shows the app as it is.
    if (facts.config.PYTHONUNBUFFERED === undefined) this.inherited.PYTHONUNBUFFERED = '';
  }

  async observe(base: RunObservations): Promise<RunObservations> {
    const before = snapshotTree(this.facts.root);
    const onAbort = () => {
      this.aborted = true;
      this.poke();
    };
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    let runEnv: Promise<RunEnvResult> | undefined;
    let instanceEnv: Map<string, string> | undefined;
    try {
      const ports = await distinctFreePorts(this.entries.length);
      this.entries.forEach((entry, i) => this.types.set(entry.name, newTypeRun(entry, this.spec(entry, ports[i]))));
      this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
      runEnv = readRunEnv(this.opts.dozenCli, this.facts, this.runEnv(), this.opts.bootTimeoutMs + STOP_SLACK_MS);
      if (this.releaseEntry !== undefined) await this.runReleasePhase(this.releaseEntry);
      if (!this.aborted) await this.boot();
      if (!this.aborted) instanceEnv = this.instanceEnvironment();
      if (!this.aborted) await Promise.all([...this.types.values()].map((t) => this.disposability(t)));
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
      await this.cleanUp();
    }
    if (this.sampleError !== undefined) throw this.sampleError;
    if (this.aborted) return { ...base, skipped: 'interrupted' };
    const changes = diffTrees(before, snapshotTree(this.facts.root));
    const result: RunObservations = {
      ...base,
      types: [...this.types.values()].map((t) => this.observation(t, changes.changed)),
      changedFiles: changes.changed,
      createdFiles: changes.created,
    };
    if (this.releasePhase !== undefined) result.releasePhase = this.releasePhase;
    Object.assign(result, compareConfig(this.facts.config, instanceEnv, await runEnv));
    return result;
  }

  // ---- the stages ---------------------------------------------------------------------------

  /** The release phase, to completion or for the boot timeout at most; the formation runs whatever it did. */
  private async runReleasePhase(entry: ProcfileEntry): Promise<void> {
    const spec: ProcessSpec = { name: RELEASE_TYPE, type: RELEASE_TYPE, index: 1, command: entry.command, port: undefined, env: this.envFor(RELEASE_TYPE), cwd: this.facts.root };
    const sup = this.supervise([], spec);
    let spawnedAt: number | undefined;
    let outcome: RunObservations['releasePhase'];
    sup.subscribe((event) => {
      if (event.type === 'spawned') spawnedAt = event.at;
      if (event.type === 'exited' && event.instance === RELEASE_TYPE) outcome = { code: exitCodeOf(event.outcome), afterMs: event.uptimeMs };
      this.poke();
    });
    const startedAt = Date.now();
    const finished = await this.until(() => outcome !== undefined, this.opts.bootTimeoutMs);
    if (!finished && !this.aborted) outcome = { code: null, afterMs: Date.now() - (spawnedAt ?? startedAt) };
    await this.stopSupervisor(sup);
    this.releasePhase = outcome;
  }

  /** Starts the formation and waits until each type is settled, then for the observation window. */
  private async boot(): Promise<void> {
    const specs = [...this.types.values()].map((t) => t.spec);
    const sup = this.supervise(specs, undefined);
    this.formation = sup;
    sup.subscribe((event) => this.onEvent(event));
    // A web is given twice the boot timeout: one that binds late is a slow starter, not a port problem.
    const settled = await this.until(() => [...this.types.values()].every(isSettled), 2 * this.opts.bootTimeoutMs);
    void settled;
    await this.until(() => false, OBSERVE_WINDOW_MS);
    await this.readListening();
  }

  /** Sudden death (SIGKILL, then started again: ready?), then SIGTERM (stopped within the timeout?). */
  private async disposability(t: TypeRun): Promise<void> {
    const sup = this.formation;
    if (sup === undefined || t.exitedOnItsOwn !== undefined) return this.finish(t);
    if (t.entry.name !== 'web' || t.readyAfterMs !== undefined) {
      const pid = this.leaderOf(t);
      if (pid === undefined) return this.finish(t);
      t.stage = 'killing';
      signalGroup(pid, 'SIGKILL');
      await this.until(() => t.killExited, this.opts.stopTimeoutMs + STOP_SLACK_MS);
      if (this.aborted) return this.finish(t);
      // Taken out and added again: started at once, beside the other types' restarts (a rollout
      // would queue them one after another).
      await bounded(sup.remove([t.spec.name]), STOP_SLACK_MS);
      t.stage = 'restarted';
      await bounded(sup.add([t.spec]), STOP_SLACK_MS);
      if (t.readyAfterMs !== undefined) {
        await this.until(() => t.restartReady || t.restartExited, 2 * this.opts.bootTimeoutMs);
        t.recovered = t.restartReady;
      } else {
        await this.until(() => t.restartExited, RECOVERY_WINDOW_MS);
        t.recovered = !t.restartExited;
      }
      if (this.aborted) return this.finish(t);
    }
    if (this.leaderOf(t) === undefined || t.restartExited) return this.finish(t);
    t.stage = 'stopping';
    await bounded(sup.stop([t.spec.name]), this.opts.stopTimeoutMs + STOP_SLACK_MS);
    this.finish(t);
  }

  private finish(t: TypeRun): void {
    t.stage = 'done';
  }

  // ---- events and samples -------------------------------------------------------------------

  private onEvent(event: SupervisorEvent): void {
    const instance = event.type === 'message' || (event.type === 'output' && event.origin !== undefined) ? undefined : 'instance' in event ? event.instance : undefined;
    const t = instance === undefined ? undefined : this.types.get(typeOf(instance));
    if (t !== undefined && t.spec.name === instance) this.record(t, event);
    this.poke();
  }

  private record(t: TypeRun, event: SupervisorEvent): void {
    switch (event.type) {
      case 'spawned':
        t.leaders.add(event.pid);
        if (t.stage === 'boot') t.spawnedAt ??= event.at;
        return;
      case 'ready':
        if (t.stage === 'boot') t.readyAfterMs ??= event.afterMs;
        if (t.stage === 'restarted') t.restartReady = true;
        return;
      case 'output':
        if (t.stage === 'boot') keepLastLines(t.lastOutput, event.data);
        if (t.stage === 'restarted') keepLastLines(t.restartOutput, event.data);
        return;
      case 'exited':
        if (t.stage === 'boot' && t.exitedOnItsOwn === undefined) {
          const o = event.outcome;
          t.exitedOnItsOwn = {
            code: o.reason === 'exit-code' ? o.code : o.reason === 'spawn-error' ? exitCodeOf(o) : null,
            signal: o.reason === 'signal' ? o.signal : o.reason === 'killed' ? 'SIGKILL' : null,
            afterMs: event.uptimeMs,
          };
          // Right now, before the reaper signals the group: what did the started process leave running?
          t.leftBehind = this.sample().filter((p) => p.instance === t.spec.name && p.pid !== event.pid).map(({ pid, command }) => ({ pid, command }));
        }
        if (t.stage === 'killing') t.killExited = true;
        if (t.stage === 'restarted') t.restartExited = true;
        // Under `--restart always` (so that no exit ends the formation) it would be started again: not here.
        if (t.stage === 'boot' || t.stage === 'restarted') setImmediate(() => void this.formation?.stop([t.spec.name]).catch(() => undefined));
        return;
      case 'stopping':
        if (t.stage === 'stopping') t.stopFrom ??= event.at;
        return;
      case 'killing':
        if (t.stage === 'stopping' && event.reason === 'timeout') t.stopKilled = true;
        return;
      case 'stopped':
        if (t.stage === 'stopping' && t.stopFrom !== undefined) t.stop ??= { graceful: !t.stopKilled, afterMs: event.at - t.stopFrom };
        return;
      default:
        return;
    }
  }

  /** One pass over /proc: escapes are noted, new sockets looked up. Returns the live marked processes. */
  private sample(): MarkedProcess[] {
    if (this.sampleError !== undefined) return [];
    let live: MarkedProcess[];
    try {
      live = this.watch.sample();
    } catch (err) {
      this.sampleError = err;
      this.aborted = true;
      this.poke();
      return [];
    }
    let newSocket = false;
    for (const p of live) {
      const t = this.types.get(typeOf(p.instance));
      if (t === undefined || t.spec.name !== p.instance) continue;
      if (!t.leaders.has(p.pgid) && !t.escaped.has(p.pid)) t.escaped.set(p.pid, p.command);
      for (const inode of this.watch.of(p.instance).sockets) if (!this.socketsLookedUp.has(inode)) newSocket = true;
    }
    if (newSocket || Date.now() - this.lastListenRead > LISTEN_REFRESH_MS) void this.readListening();
    this.poke();
    return live;
  }

  /** Which ports each type's sockets listen on (one read of the kernel's tables at a time). */
  private readListening(): Promise<void> {
    this.listenRead ??= (async () => {
      this.lastListenRead = Date.now();
      const looked = new Set<string>();
      for (const t of this.types.values()) for (const inode of this.watch.of(t.spec.name).sockets) looked.add(inode);
      const inodes = await readListenInodes();
      for (const t of this.types.values()) {
        for (const inode of this.watch.of(t.spec.name).sockets) {
          const port = inodes.get(inode);
          if (port !== undefined) t.listened.add(port);
        }
      }
      for (const inode of looked) this.socketsLookedUp.add(inode);
    })().finally(() => (this.listenRead = undefined));
    return this.listenRead;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private supervise(specs: ProcessSpec[], releasePhase: ProcessSpec | undefined): Supervisor {
    const sup = createSupervisor({
      specs,
      ...(releasePhase === undefined ? {} : { releasePhase }),
      // No exit ends the formation: every type may die, and an exit restarts (which the doctor stops).
      restart: 'always',
      canDie: specs.map((s) => s.type),
      timeoutMs: this.opts.stopTimeoutMs,
      bootTimeoutMs: this.opts.bootTimeoutMs,
      inheritedEnv: this.inherited,
      forceColor: false,
    });
    this.supervisors.push({ sup, done: sup.run() });
    return sup;
  }

  private spec(entry: ProcfileEntry, port: number | undefined): ProcessSpec {
    const name = `${entry.name}.1`;
    return { name, type: entry.name, index: 1, command: entry.command, port, env: { ...this.envFor(name), ...(port === undefined ? {} : { PORT: String(port) }) }, cwd: this.facts.root };
  }

  /** A spec's environment: the app's config, dozen's per-instance variables, the marker and the private state folder. */
  private envFor(instance: string): Record<string, string> {
    const dyno = instance === RELEASE_TYPE ? `${RELEASE_TYPE}.1` : instance;
    return { ...this.facts.config, PS: instance, DYNO: dyno, ...this.markerEnv(instance) };
  }

  private markerEnv(instance: string): Record<string, string> {
    return { [MARKER_VAR]: `${this.token}/${instance}`, DOZEN_STATE_DIR: this.stateDir };
  }

  /** `dozen run`'s environment: the doctor's own and the marker; the config it must read itself. */
  private runEnv(): NodeJS.ProcessEnv {
    return { ...this.inherited, ...this.markerEnv('run') };
  }

  private leaderOf(t: TypeRun): number | undefined {
    const status = this.formation?.status().find((s) => s.name === t.spec.name);
    return status?.state === 'starting' || status?.state === 'running' ? status.pid : undefined;
  }

  /** What the processes got: the environment of the web instance (else the first one running). */
  private instanceEnvironment(): Map<string, string> | undefined {
    const ordered = [...this.types.values()].sort((a, b) => Number(b.entry.name === 'web') - Number(a.entry.name === 'web'));
    for (const t of ordered) {
      const pid = this.leaderOf(t);
      const env = pid === undefined ? undefined : readEnviron(pid);
      if (env !== undefined) return env;
    }
    return undefined;
  }

  /** Resolves true once `done()` holds, false after `ms` or when the run is interrupted. */
  private until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (this.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), ms);
      const waiter: Waiter = { done, resolve: (met) => finish(met) };
      const finish = (met: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(met);
      };
      this.waiters.add(waiter);
    });
  }

  private poke(): void {
    for (const w of [...this.waiters]) {
      if (this.aborted) w.resolve(false);
      else if (w.done()) w.resolve(true);
    }
  }

  private async stopSupervisor(sup: Supervisor): Promise<void> {
    const entry = this.supervisors.find((s) => s.sup === sup);
    if (entry === undefined) return;
    const stopped = await bounded(sup.shutdown('the doctor is done'), this.opts.stopTimeoutMs + STOP_SLACK_MS);
    if (!stopped) await bounded(sup.forceKill(), STOP_SLACK_MS);
    await bounded(entry.done, STOP_SLACK_MS);
  }

  /** Stops every supervisor, kills every marked process left (escaped daemons), removes the state folder. */
  private async cleanUp(): Promise<void> {
    if (this.sampler !== undefined) clearInterval(this.sampler);
    // Escaped processes first: they may hold the pipes a supervisor would wait a second for.
    const leaders = new Set([...this.types.values()].flatMap((t) => [...t.leaders]));
    for (const p of markedProcesses(this.token)) if (!leaders.has(p.pgid)) killPid(p.pid);
    await Promise.all(this.supervisors.map(({ sup }) => this.stopSupervisor(sup)));
    const deadline = Date.now() + STOP_SLACK_MS;
    for (;;) {
      const left = markedProcesses(this.token);
      if (left.length === 0 || Date.now() > deadline) break;
      for (const p of left) killPid(p.pid);
      await new Promise((r) => setTimeout(r, 50));
    }
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  private observation(t: TypeRun, changed: string[]): TypeObservation {
    const activity = this.watch.of(t.spec.name);
    const wroteFiles = [...activity.writes].filter((f) => !f.startsWith(`${this.stateDir}/`)).sort();
    const pids = new Set([...activity.processes.keys(), ...t.leaders]);
    const pidFiles = new Set(wroteFiles.filter((f) => f.endsWith('.pid')));
    for (const rel of changed) {
      const path = resolve(this.facts.root, rel);
      const pid = smallNumberIn(path);
      if (pid !== undefined && pids.has(pid)) pidFiles.add(path);
    }
    const python = [...activity.python.values()];
    const obs: TypeObservation = {
      type: t.entry.name,
      command: t.entry.command,
      listened: [...t.listened].sort((a, b) => a - b),
      escaped: [...t.escaped].map(([pid, command]) => ({ pid, command })),
      wroteFiles,
      pidFiles: [...pidFiles].sort(),
    };
    if (t.spec.port !== undefined) obs.port = t.spec.port;
    if (t.readyAfterMs !== undefined) obs.readyAfterMs = t.readyAfterMs;
    if (t.exitedOnItsOwn !== undefined) obs.exitedOnItsOwn = t.exitedOnItsOwn;
    if (t.leftBehind !== undefined && t.leftBehind.length > 0) obs.leftBehind = t.leftBehind;
    const failedStart = t.exitedOnItsOwn !== undefined || (t.entry.name === 'web' && t.readyAfterMs === undefined);
    if (failedStart && t.lastOutput.length > 0) obs.lastOutput = t.lastOutput;
    if (t.recovered === false && t.restartOutput.length > 0) obs.lastOutput = t.restartOutput;
    if (python.length > 0) obs.bufferedPython = python.some(Boolean);
    if (t.stop !== undefined) obs.stop = t.stop;
    if (t.recovered !== undefined) obs.recovered = t.recovered;
    return obs;
  }
}

function newTypeRun(entry: ProcfileEntry, spec: ProcessSpec): TypeRun {
  return {
    entry, spec, stage: 'boot', leaders: new Set(), lastOutput: [], restartOutput: [], listened: new Set(), escaped: new Map(),
    killExited: false, restartReady: false, restartExited: false, stopKilled: false,
  };
}

/** A web is settled once ready (or exited); any other type once spawned. */
function isSettled(t: TypeRun): boolean {
  if (t.exitedOnItsOwn !== undefined || t.readyAfterMs !== undefined) return true;
  return t.entry.name !== 'web' && t.spawnedAt !== undefined;
}

/** `web.1` -> `web`. */
function typeOf(instance: string): string {
  const dot = instance.lastIndexOf('.');
  return dot === -1 ? instance : instance.slice(0, dot);
}

function keepLastLines(lines: string[], data: Buffer): void {
  for (const line of data.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    lines.push(line.length > LINE_MAX ? `${line.slice(0, LINE_MAX)}…` : line);
    if (lines.length > LAST_LINES) lines.shift();
  }
}

/** One free port per type, no two alike. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await kernelFreePort());
  return [...ports];
}

/** The number a small file holds alone (a PID file), if it is one. */
function smallNumberIn(path: string): number | undefined {
  try {
    if (statSync(path).size > 32) return undefined;
    const match = /^\s*(\d+)\s*$/.exec(readFileSync(path, 'latin1'));
    return match ? Number(match[1]) : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') return undefined;
    throw err;
  }
}

function compareConfig(config: Record<string, string>, instanceEnv: Map<string, string> | undefined, run: RunEnvResult): Partial<RunObservations> {
  if (run.env === undefined) return { runSameConfig: false, runConfigProblem: run.problem ?? 'dozen run printed nothing' };
  if (instanceEnv === undefined) return {};
  const differing = differingKeys(config, instanceEnv, run.env);
  return differing.length === 0 ? { runSameConfig: true } : { runSameConfig: false, runConfigDiffering: differing };
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Whether `promise` settled within `ms` (its rejection counts as settled). */
async function bounded(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
