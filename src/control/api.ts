// The control API of a running dozen: what every client (the CLI over the socket, the dashboard,
// releases, the router) can ask of the formation, with no transport in it. Expected failures are
// ControlFailures (code + one line); the socket (server.ts) is one transport over it.
import { DozenError } from '../errors.js';
import type { ProcessSpec } from '../formation/types.js';
import { parseLogQuery, type LogFilterOptions, type LogQuery } from '../logs/query.js';
import type { StoredLine } from '../logs/store/stored-line.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { InstanceStatus, RolloutMode, RolloutRequest, RolloutResult, SupervisorHandle } from '../supervisor/handle.js';
import { ControlFailure } from './control-failure.js';
import { matchInstances } from './match-instances.js';
import type { ActionResult, InstanceInfo, QuitResult, RouterInfo, ScaleResult, ServerInfo, StatusResult } from './protocol.js';
import { createScaler } from './scaler.js';

export const DEFAULT_CPU_SAMPLE_MS = 250;

/** The most lines one `logs` query answers: a read blocks dozen's loop while it runs. */
export const MAX_QUERY_LINES = 5_000;

/** What the formation plans from: an AppModel (src/app/app-model.ts) or anything shaped like it. */
export interface FormationModel {
  /** The full expansion of a formation string (`web=3,worker=1`): formula ports, the model's config. */
  instances(formation: string): ProcessSpec[];
  /** The spec `type.index` has in this model (for a rollout to it). */
  specFor?(type: string, index: number): ProcessSpec;
  /** Its process types (a rollout to it removes the instances of types it no longer has). */
  types?(): string[];
}

/** The log store as the API reads it: snapshots and a cursor, and a push when lines are committed. */
export interface LogFeed {
  snapshot(query: LogQuery): Promise<{ lines: StoredLine[]; cursor: number }>;
  after(cursor: number, query: LogQuery): Promise<{ lines: StoredLine[]; cursor: number }>;
  /** `listener` runs after each commit of new lines; returns the unsubscribe function. */
  onStored(listener: () => void): () => void;
}

export interface ControlApiOptions {
  handle: SupervisorHandle;
  info: ServerInfo;
  /** What `scale` plans from (the running release's model); none: `scale` is unsupported. */
  model?: FormationModel;
  /** The log store, once it is open (undefined: `logs` is unsupported). */
  logs?: () => LogFeed | undefined;
  /** In release mode: the model of release `version` (throws DozenError if it cannot be run). */
  releaseModel?: (version: number) => FormationModel;
  /** The router in front of the formation, once it listens (`dozen start --router`). */
  router?: () => RoutedView | undefined;
}

/** What the API knows of a router: its numbers, and the types it routes to (restarted by surge). */
export interface RoutedView {
  info(): RouterInfo;
  types: ReadonlySet<string>;
}

/** A follow of the log store: stop it to stop the pushes. */
export interface LogFollow {
  stop(): void;
}

export interface ControlApi {
  hello(): ServerInfo;
  status(opts?: { cpuSampleMs?: number }): Promise<StatusResult>;
  /**
   * Patterns as `dozen restart` takes them (none: all). No mode: stop-first, but the types a
   * router serves surge (no request is lost while each is replaced).
   */
  restart(patterns: string[], mode?: RolloutMode): Promise<ActionResult>;
  stop(patterns: string[]): Promise<ActionResult>;
  /** `web=3,worker=0`: only the named types change, planned from the current model. */
  scale(formation: string): Promise<ScaleResult>;
  /** Stops the formation and dozen (after the answer is out). */
  quit(): QuitResult;
  /** Every supervisor event; the listener is isolated like any other (see SupervisorHandle). */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /** The last matching stored lines (at most MAX_QUERY_LINES) and the cursor to follow from. */
  logs(filter: LogFilterOptions): Promise<{ lines: StoredLine[]; cursor: number }>;
  /**
   * Lines stored after `cursor` that match, pushed in order as they are committed. `push` returns
   * a promise when the consumer needs time (a slow socket): nothing more is read until it settles,
   * and nothing is lost meanwhile (the store keeps it; the follow resumes from its cursor).
   */
  followLogs(
    filter: LogFilterOptions,
    cursor: number,
    push: (lines: StoredLine[]) => void | Promise<void>,
    onError: (message: string) => void,
  ): LogFollow;
  /** The model `scale` and later rollouts plan from. */
  model(): FormationModel | undefined;
  /**
   * Makes `model` the running one: every member is rolled out to its spec in `model`, and scale
   * plans from it from then on (also if the rollout fails part way: the rest keeps its spec).
   */
  rolloutTo(model: FormationModel, mode: RolloutMode): Promise<RolloutResult>;
  /** In release mode: rolls the formation out to release `version` (rolloutTo its model); no mode as for restart. */
  switchRelease(version: number, mode?: RolloutMode): Promise<SwitchResult>;
}

export interface SwitchResult {
  version: number;
  replaced: string[];
  failure: { instance: string; reason: string } | null;
}

export function createControlApi(opts: ControlApiOptions): ControlApi {
  const { handle, info } = opts;
  let model = opts.model;
  let quitting = false;
  const feed = (): LogFeed => {
    const logs = opts.logs?.();
    if (!logs) throw new ControlFailure('unsupported', 'this dozen keeps no log store (it was started with --no-log-store)');
    return logs;
  };
  const query = (filter: LogFilterOptions): LogQuery => {
    try {
      return parseLogQuery(filter, Date.now());
    } catch (err) {
      if (err instanceof DozenError) throw new ControlFailure('bad-request', err.oneLine());
      throw err;
    }
  };

  // Without a mode asked: the types behind the router are replaced beside their old instance.
  const modeFor = (mode: RolloutMode | undefined): RolloutRequest['mode'] => {
    if (mode !== undefined) return mode;
    const routed = opts.router?.()?.types;
    return routed === undefined ? 'stop-first' : (current) => (routed.has(current.type) ? 'surge' : 'stop-first');
  };

  const rolloutTo = async (next: FormationModel, mode: RolloutRequest['mode']): Promise<RolloutResult> => {
    const specFor = next.specFor?.bind(next);
    if (!specFor) throw new DozenError('internal', 'rolloutTo: the model cannot give an instance its spec');
    model = next;
    const members = handle.status().filter((s) => s.role === 'member');
    const types = next.types ? new Set(next.types()) : undefined;
    const kept = members.filter((s) => !types || types.has(s.type)).map((s) => s.name);
    const gone = members.filter((s) => types && !types.has(s.type)).map((s) => s.name);
    const result = await handle.rollout({ names: kept, mode, spec: (current) => specFor(current.type, current.index) });
    if (!result.ok) return result;
    if (gone.length > 0) await handle.remove(gone);
    // Types the new model adds start with one instance each, as `dozen start` starts every type.
    const running = new Set(members.map((s) => s.type));
    const newTypes = types ? [...types].filter((t) => !running.has(t)) : [];
    const added = newTypes.length > 0 ? next.instances(newTypes.map((t) => `${t}=1`).join(',')) : [];
    if (added.length > 0) await handle.add(added);
    return { ok: true, replaced: [...result.replaced, ...added.map((s) => s.name)] };
  };

  return {
    hello: () => info,
    status: async (o = {}) => {
      const result = await status(handle, info, o.cpuSampleMs ?? DEFAULT_CPU_SAMPLE_MS);
      const router = opts.router?.();
      return router ? { ...result, router: router.info() } : result;
    },
    restart: (patterns, mode) => {
      const chosen = modeFor(mode);
      const surged = (name: string) => {
        const spec = handle.specs().find((s) => s.name === name);
        return chosen === 'surge' || (typeof chosen === 'function' && spec !== undefined && chosen(spec) === 'surge');
      };
      return act(handle, patterns, (names) => (chosen === 'stop-first' ? handle.restart(names) : handle.rollout({ names, mode: chosen })), surged);
    },
    stop: (patterns) => act(handle, patterns, (names) => handle.stop(names)),
    async scale(formation) {
      if (!model) throw new ControlFailure('unsupported', 'this dozen cannot scale (it was started without an app to plan from)');
      const planner = model;
      return scale(handle, createScaler({ plan: (f) => planner.instances(f), current: () => handle.specs() }), formation);
    },
    quit() {
      if (!quitting) {
        quitting = true;
        // After the answer is written; the client then waits for the transport to close.
        setImmediate(() => {
          handle.shutdown('dozen quit').catch((err: unknown) => process.emitWarning(`dozen quit: ${String(err)}`));
        });
      }
      return { pid: info.pid };
    },
    subscribe: (listener) => handle.subscribe(listener),
    async logs(filter) {
      const q = query(filter);
      const limit = Math.min(q.limit ?? MAX_QUERY_LINES, MAX_QUERY_LINES);
      return feed().snapshot({ ...q, limit });
    },
    followLogs(filter, cursor, push, onError) {
      const q: LogQuery = { ...query(filter), limit: undefined, sinceUs: undefined };
      return followLogs(feed(), q, cursor, push, onError);
    },
    model: () => model,
    async switchRelease(version, mode) {
      if (!opts.releaseModel) {
        throw new ControlFailure('unsupported', 'this dozen runs a working tree, not releases (dozen start --release runs them)');
      }
      let next: FormationModel;
      try {
        next = opts.releaseModel(version);
      } catch (err) {
        if (err instanceof DozenError) throw new ControlFailure('failed', err.oneLine());
        throw err;
      }
      const result = await rolloutTo(next, modeFor(mode));
      return { version, replaced: result.replaced, failure: result.ok ? null : { instance: result.failed, reason: result.reason } };
    },
    rolloutTo,
  };
}

async function status(handle: SupervisorHandle, info: ServerInfo, cpuSampleMs: number): Promise<StatusResult> {
  const now = Date.now();
  const rows = handle.status();
  const uptime = (s: InstanceStatus) => (s.pid !== undefined && s.startedAt !== undefined ? Math.max(0, now - s.startedAt) : undefined);
  // Loaded on the first `ps`: the /proc table reader is not needed to run the formation.
  const { sampleTrees } = await import('./tree-stats.js');
  const stats = await sampleTrees(
    rows.filter((s) => s.pid !== undefined).map((s) => ({ pid: s.pid as number, uptimeMs: uptime(s) })),
    cpuSampleMs,
  );
  const instances = rows.map((s): InstanceInfo => {
    const tree = s.pid === undefined ? undefined : stats.get(s.pid);
    return {
      name: s.name,
      type: s.type,
      index: s.index,
      state: s.state,
      pid: s.pid ?? null,
      port: s.port ?? null,
      ready: s.ready,
      startedAt: s.startedAt ?? null,
      uptimeMs: uptime(s) ?? null,
      restarts: s.restarts,
      lastExit: s.lastExit ?? null,
      generation: s.generation,
      release: s.release ?? null,
      role: s.role,
      cpuPercent: tree?.cpuPercent ?? null,
      rssBytes: tree?.rssBytes ?? null,
      processes: tree?.processes ?? 0,
    };
  });
  return { server: info, instances };
}

/** restart / stop: resolve the patterns, act, report each instance's pid before and after. */
async function act(
  handle: SupervisorHandle,
  patterns: string[],
  run: (names: string[]) => Promise<RolloutResult | void>,
  surged: (name: string) => boolean = () => false,
): Promise<ActionResult> {
  // Members only: during a surge a name has two rows, and the member is the one that serves.
  const before = handle.status().filter((s) => s.role === 'member');
  const match = matchInstances(patterns, before);
  if (!match.ok) throw new ControlFailure('no-match', match.message);
  const outcome = await run(match.names);
  const after = new Map(handle.status().filter((s) => s.role === 'member').map((s) => [s.name, s]));
  return {
    failure: outcome && !outcome.ok ? { instance: outcome.failed, reason: outcome.reason, ...(surged(outcome.failed) ? { surged: true } : {}) } : null,
    instances: match.names.map((name) => {
      const now = after.get(name);
      return {
        name,
        pidBefore: before.find((s) => s.name === name)?.pid ?? null,
        pid: now?.pid ?? null,
        state: now?.state ?? 'removed',
      };
    }),
  };
}

async function scale(handle: SupervisorHandle, scaler: ReturnType<typeof createScaler>, formation: string): Promise<ScaleResult> {
  let diff;
  try {
    diff = scaler(formation);
  } catch (err) {
    if (err instanceof DozenError) throw new ControlFailure('formation', err.oneLine());
    throw err;
  }
  if (diff.remove.length > 0) await handle.remove(diff.remove);
  if (diff.add.length > 0) await handle.add(diff.add);
  return { added: diff.add.map((s) => ({ name: s.name, port: s.port ?? null })), removed: diff.remove };
}

/** Pulls from the cursor at each commit; one pull at a time, and none while the consumer is busy. */
function followLogs(
  feed: LogFeed,
  q: LogQuery,
  start: number,
  push: (lines: StoredLine[]) => void | Promise<void>,
  onError: (message: string) => void,
): LogFollow {
  let cursor = start;
  let stopped = false;
  let pulling = false;
  let again = false;
  const pull = async (): Promise<void> => {
    if (pulling) {
      again = true; // a commit while busy: pull once more when done
      return;
    }
    pulling = true;
    try {
      do {
        again = false;
        const before = cursor;
        const next = await feed.after(cursor, q);
        cursor = next.cursor;
        if (next.lines.length > 0 && !stopped) await push(next.lines);
        // The cursor moved: a page was read (filters apply after paging, so it may have had no
        // match), and more may be there without a new commit.
        if (cursor > before) again = true;
      } while (again && !stopped);
    } finally {
      pulling = false;
    }
  };
  const follow: LogFollow = {
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
  // A store that cannot be read any more (closed as dozen stops) ends the follow, saying why.
  const fail = (err: unknown) => {
    if (stopped) return;
    follow.stop();
    onError(err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err));
  };
  const unsubscribe = feed.onStored(() => void pull().catch(fail));
  // What was stored between the caller's cursor and now; on the next turn, so that a transport
  // answers the request before the first lines follow it.
  setImmediate(() => void pull().catch(fail));
  return follow;
}
