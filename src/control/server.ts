// The control API of a running `dozen start`: each protocol method mapped onto SupervisorHandle.
import { DozenError, unreachable } from '../errors.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { InstanceStatus, RolloutResult, SupervisorHandle } from '../supervisor/handle.js';
import { claimFor, type ControlSocketClaim } from './claim.js';
import { ControlFailure, type Connection, type Dispatcher } from './control-endpoint.js';
import { matchInstances } from './match-instances.js';
import type { ActionResult, InstanceInfo, Request, ScaleResult, ServerInfo, StatusResult } from './protocol.js';
import type { Scaler } from './scaler.js';

export const DEFAULT_CPU_SAMPLE_MS = 250;

/** A subscriber whose socket has this much unsent output loses output events (counted). */
const SUBSCRIBER_BUFFER_BYTES = 8 * 1024 * 1024;

export interface ControlServerOptions {
  /** The folder claimControlSocket was given; its claim is looked up by it. */
  stateDir: string;
  /** Computes a scale; without it `scale` answers `unsupported`. See createScaler. */
  scale?: Scaler;
  /** The claim to serve on (default: the one this process made for `stateDir`). */
  claim?: ControlSocketClaim;
}

/**
 * Serves the supervisor on the claimed control socket. Returns the disposer: it stops listening,
 * hangs up on every client and removes the socket.
 */
export function attachControlServer(handle: SupervisorHandle, opts: ControlServerOptions): () => Promise<void> {
  const claim = opts.claim ?? claimFor(opts.stateDir);
  if (!claim) throw new DozenError('internal', `attachControlServer: call claimControlSocket(${opts.stateDir}) first`);
  const { info } = claim.endpoint;
  // "starting" while the release phase runs: until an instance of the formation is spawned.
  info.phase = handle.status().some((s) => s.state !== 'pending') ? 'running' : 'starting';
  const unsubscribe = handle.subscribe((event) => {
    if (event.type === 'spawned' && event.instance !== RELEASE_TYPE && info.phase === 'starting') info.phase = 'running';
    if (event.type === 'formation-stopping') info.phase = 'stopping';
  });
  claim.endpoint.setDispatcher(supervisorDispatcher(handle, info, opts.scale));
  return async () => {
    unsubscribe();
    await claim.release();
  };
}

function supervisorDispatcher(handle: SupervisorHandle, info: ServerInfo, scale: Scaler | undefined): Dispatcher {
  let quitting = false;
  return {
    async handle(request: Request, connection: Connection): Promise<unknown> {
      switch (request.method) {
        case 'hello':
          return info;
        case 'status':
          return status(handle, info, request.params?.cpuSampleMs ?? DEFAULT_CPU_SAMPLE_MS);
        case 'restart':
          return act(handle, request.params.patterns, (names) =>
            request.params.mode === 'surge' ? handle.rollout({ names, mode: 'surge' }) : handle.restart(names),
          );
        case 'stop':
          return act(handle, request.params.patterns, (names) => handle.stop(names));
        case 'scale':
          return doScale(handle, scale, request.params.formation);
        case 'quit':
          if (!quitting) {
            quitting = true;
            // After the answer is written; the client then waits for the socket to close.
            setImmediate(() => {
              handle.shutdown('dozen quit').catch((err: unknown) => process.emitWarning(`dozen quit: ${String(err)}`));
            });
          }
          return { pid: info.pid };
        case 'subscribe':
          streamEvents(handle, request.id, connection);
          return {};
        default:
          return unreachable(request);
      }
    },
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
): Promise<ActionResult> {
  // Members only: during a surge a name has two rows, and the member is the one that serves.
  const before = handle.status().filter((s) => s.role === 'member');
  const match = matchInstances(patterns, before);
  if (!match.ok) throw new ControlFailure('no-match', match.message);
  const outcome = await run(match.names);
  const after = new Map(handle.status().filter((s) => s.role === 'member').map((s) => [s.name, s]));
  return {
    failure: outcome && !outcome.ok ? { instance: outcome.failed, reason: outcome.reason } : null,
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

async function doScale(handle: SupervisorHandle, scale: Scaler | undefined, formation: string): Promise<ScaleResult> {
  if (!scale) throw new ControlFailure('unsupported', 'this dozen cannot scale (it was started without an app to plan from)');
  let diff;
  try {
    diff = scale(formation);
  } catch (err) {
    if (err instanceof DozenError) throw new ControlFailure('formation', err.oneLine());
    throw err;
  }
  if (diff.remove.length > 0) await handle.remove(diff.remove);
  if (diff.add.length > 0) await handle.add(diff.add);
  return { added: diff.add.map((s) => ({ name: s.name, port: s.port ?? null })), removed: diff.remove };
}

/**
 * Streams every event to the connection until it closes. A client that reads too slowly loses
 * output events rather than growing dozen's memory; it is told how many with a `dropped` event.
 */
function streamEvents(handle: SupervisorHandle, id: number, connection: Connection): void {
  let dropped = 0;
  const unsubscribe = handle.subscribe((event) => {
    const queued = connection.queuedBytes();
    if (event.type === 'output' && queued > SUBSCRIBER_BUFFER_BYTES) {
      dropped += 1;
      return;
    }
    if (dropped > 0 && queued < SUBSCRIBER_BUFFER_BYTES / 2) {
      connection.send({ id, event: { type: 'dropped', at: Date.now(), count: dropped } });
      dropped = 0;
    }
    connection.send({ id, event: toWire(event) });
  });
  connection.onClose(unsubscribe);
}

/** Events as JSON: output bytes become UTF-8 text (each chunk holds whole lines). */
export function toWire(event: SupervisorEvent): object {
  return event.type === 'output' ? { ...event, data: event.data.toString('utf8') } : event;
}
