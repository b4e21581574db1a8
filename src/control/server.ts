// The unix-socket transport of the control API: each protocol request mapped onto ControlApi,
// and the streams (`subscribe`, `logs` with follow) written to the connection with backpressure.
import { DozenError, unreachable } from '../errors.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import { createControlApi, type ControlApi, type FormationModel, type LogFeed, type RoutedView } from './api.js';
import { claimFor, type ControlSocketClaim } from './claim.js';
import type { Connection, Dispatcher } from './control-endpoint.js';
import type { Request } from './protocol.js';

export { DEFAULT_CPU_SAMPLE_MS } from './api.js';

/** A subscriber whose socket has this much unsent output loses output events (counted). */
const SUBSCRIBER_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * Text per `log-lines` event: with JSON escaping (6× at worst) it stays far below what a client
 * reads as one line (64 MiB). A single stored line is at most 1 MiB.
 */
const LOG_EVENT_TEXT_BYTES = 4 << 20;
const LOG_LINES_PER_EVENT = 500;

export interface ControlServerOptions {
  /** The folder claimControlSocket was given; its claim is looked up by it. */
  stateDir: string;
  /** What `scale` plans from; without it `scale` answers `unsupported`. */
  model?: FormationModel;
  /** The log store once it is open; without it `logs` answers `unsupported`. */
  logs?: () => LogFeed | undefined;
  /** In release mode: the model of a release; without it `release` answers `unsupported`. */
  releaseModel?: (version: number) => FormationModel;
  /** The router in front of the formation, once it listens. */
  router?: () => RoutedView | undefined;
  /** The claim to serve on (default: the one this process made for `stateDir`). */
  claim?: ControlSocketClaim;
}

export interface ControlServer {
  /** The API the socket serves: other clients in this process (the dashboard) use it directly. */
  api: ControlApi;
  /** Stops listening, hangs up on every client and removes the socket. */
  close(): Promise<void>;
}

/** Serves the supervisor's control API on the claimed control socket. */
export function attachControlServer(handle: SupervisorHandle, opts: ControlServerOptions): ControlServer {
  const claim = opts.claim ?? claimFor(opts.stateDir);
  if (!claim) throw new DozenError('internal', `attachControlServer: call claimControlSocket(${opts.stateDir}) first`);
  const { info } = claim.endpoint;
  // "starting" while the release phase runs: until an instance of the formation is spawned.
  info.phase = handle.status().some((s) => s.state !== 'pending') ? 'running' : 'starting';
  const unsubscribe = handle.subscribe((event) => {
    if (event.type === 'spawned' && event.instance !== RELEASE_TYPE && info.phase === 'starting') info.phase = 'running';
    if (event.type === 'formation-stopping') info.phase = 'stopping';
  });
  const { model, logs, releaseModel, router } = opts;
  const api = createControlApi({ handle, info, ...(model ? { model } : {}), ...(logs ? { logs } : {}), ...(releaseModel ? { releaseModel } : {}), ...(router ? { router } : {}) });
  claim.endpoint.setDispatcher(socketDispatcher(api));
  return {
    api,
    async close() {
      unsubscribe();
      await claim.release();
    },
  };
}

function socketDispatcher(api: ControlApi): Dispatcher {
  return {
    async handle(request: Request, connection: Connection): Promise<unknown> {
      switch (request.method) {
        case 'hello':
          return api.hello();
        case 'status':
          return api.status(request.params ?? {});
        case 'restart':
          return api.restart(request.params.patterns, request.params.mode);
        case 'stop':
          return api.stop(request.params.patterns);
        case 'scale':
          return api.scale(request.params.formation);
        case 'quit':
          return api.quit();
        case 'release':
          return api.switchRelease(request.params.version, request.params.mode);
        case 'subscribe':
          streamEvents(api, request.id, connection);
          return {};
        case 'logs': {
          const { filter, follow, after } = request.params;
          const first = after === undefined ? await api.logs(filter) : { lines: [], cursor: after };
          if (follow) streamLogs(api, request, first.cursor, connection);
          return first;
        }
        default:
          return unreachable(request);
      }
    },
  };
}

/**
 * Streams every event to the connection until it closes. A client that reads too slowly loses
 * output events rather than growing dozen's memory; it is told how many with a `dropped` event.
 */
function streamEvents(api: ControlApi, id: number, connection: Connection): void {
  let dropped = 0;
  const unsubscribe = api.subscribe((event) => {
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

/**
 * New stored lines as `log-lines` events. Nothing is dropped: while the client has not taken what
 * was sent, no more is read (the store keeps it, the cursor waits). A store that cannot be read
 * any more ends the stream with a `log-error` event.
 */
function streamLogs(api: ControlApi, request: Extract<Request, { method: 'logs' }>, cursor: number, connection: Connection): void {
  const { id } = request;
  const follow = api.followLogs(
    request.params.filter,
    cursor,
    async (lines) => {
      for (const batch of logEvents(lines)) connection.send({ id, event: { type: 'log-lines', at: Date.now(), lines: batch } });
      if (connection.queuedBytes() > SUBSCRIBER_BUFFER_BYTES / 8) await connection.drained();
    },
    (message) => connection.send({ id, event: { type: 'log-error', at: Date.now(), message } }),
  );
  connection.onClose(() => follow.stop());
}

/** Splits lines into events of at most LOG_LINES_PER_EVENT lines and about LOG_EVENT_TEXT_BYTES of text. */
export function logEvents<L extends { text: string }>(lines: readonly L[]): L[][] {
  const events: L[][] = [];
  let current: L[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (current.length > 0 && (current.length >= LOG_LINES_PER_EVENT || bytes + line.text.length > LOG_EVENT_TEXT_BYTES)) {
      events.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += line.text.length;
  }
  if (current.length > 0) events.push(current);
  return events;
}

/** Events as JSON: output bytes become UTF-8 text (each chunk holds whole lines). */
export function toWire(event: SupervisorEvent): object {
  return event.type === 'output' ? { ...event, data: event.data.toString('utf8') } : event;
}
