// The control protocol: newline-delimited JSON over the unix socket `<stateDir>/control.sock`.
// Every message carries the protocol version `v`; requests carry a client-chosen `id` that the
// response (and, for `subscribe`, every streamed event) echoes. docs/control.md is the reference.
import { z } from 'zod';
import { PROTOCOL_VERSION } from './wire.js';

// The framing (no zod), re-exported: importers that only frame messages use wire.ts directly.
export { MAX_LINE_BYTES, PROTOCOL_VERSION, encodeLine } from './wire.js';

const id = z.number().int().nonnegative();
const version = z.literal(PROTOCOL_VERSION);
const pattern = z.string().min(1).max(200);

/** The filters of `dozen logs`, as its flags spell them. */
export const LogFilter = z.object({
  num: z.string().max(20).optional(),
  ps: pattern.optional(),
  source: z.string().max(20).optional(),
  grep: z.string().max(10_000).optional(),
  search: z.string().max(10_000).optional(),
  since: z.string().max(100).optional(),
  until: z.string().max(100).optional(),
});

export type LogFilter = z.infer<typeof LogFilter>;

/** What every line must at least look like before its method is known. */
export const Envelope = z.object({ v: z.number(), id, method: z.string() });

export const Request = z.discriminatedUnion('method', [
  /** Who is listening: pid and version. Also answered while dozen is still starting. */
  z.object({ v: version, id, method: z.literal('hello') }),
  /** `dozen ps`. CPU% is measured over `cpuSampleMs` (default 250). */
  z.object({
    v: version,
    id,
    method: z.literal('status'),
    params: z.object({ cpuSampleMs: z.number().int().min(0).max(5000).optional() }).optional(),
  }),
  /**
   * No pattern: every instance, one after another. `mode` (default `stop-first`): `surge` starts
   * each replacement beside the old instance and stops the old one once the new one is ready.
   */
  z.object({
    v: version,
    id,
    method: z.literal('restart'),
    params: z.object({ patterns: z.array(pattern).max(1000), mode: z.enum(['stop-first', 'surge']).optional() }),
  }),
  z.object({ v: version, id, method: z.literal('stop'), params: z.object({ patterns: z.array(pattern).min(1).max(1000) }) }),
  /** `formation` as on the command line: `web=3,worker=0`; unnamed types keep their count. */
  z.object({ v: version, id, method: z.literal('scale'), params: z.object({ formation: z.string().min(1).max(10_000) }) }),
  z.object({ v: version, id, method: z.literal('quit') }),
  /** Stream every supervisor event as `{v, id, event}` lines until the client hangs up. */
  z.object({ v: version, id, method: z.literal('subscribe') }),
  /** In release mode: switch the formation to release `version` (one instance after another). */
  z.object({
    v: version,
    id,
    method: z.literal('release'),
    params: z.object({ version: z.number().int().positive(), mode: z.enum(['stop-first', 'surge']).optional() }),
  }),
  /**
   * Stored log lines, filtered as `dozen logs` filters them. `follow`: then every new matching
   * line as it is stored, in `log-lines` events, from `after` (a cursor) if given.
   */
  z.object({
    v: version,
    id,
    method: z.literal('logs'),
    params: z.object({ filter: LogFilter, follow: z.boolean().optional(), after: z.number().int().nonnegative().optional() }),
  }),
]);
export type Request = z.infer<typeof Request>;
export type Method = Request['method'];

/** Stable error codes of the protocol. */
export const ErrorCode = z.enum([
  'bad-request', // not JSON, unknown method, bad params
  'version', // a protocol version this server does not speak
  'no-match', // a pattern matched no instance
  'formation', // a scale spec that cannot be used
  'unsupported', // this server cannot do that (e.g. scale without an app to plan from)
  'starting', // dozen is still starting (release phase): only hello and status work
  'failed', // the supervisor failed to do it
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ServerInfo = z.object({
  pid: z.number().int(),
  version: z.string(),
  protocol: z.number().int(),
  stateDir: z.string(),
  /** Epoch ms when this dozen claimed the socket. */
  startedAt: z.number(),
  /** 'starting' until the first instance of the formation is spawned (release phase), then 'running'. */
  phase: z.enum(['starting', 'running', 'stopping']),
  /** What this server does beyond protocol 1 as first released (`surge`, `logs`); absent: none. */
  features: z.array(z.string()).optional(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

const exitOutcome = z.union([
  z.object({ reason: z.literal('exit-code'), code: z.number().int() }),
  z.object({ reason: z.literal('signal'), signal: z.string() }),
  z.object({ reason: z.literal('spawn-error'), message: z.string(), errno: z.string().optional() }),
  z.object({ reason: z.literal('killed') }),
]);
export type WireExitOutcome = z.infer<typeof exitOutcome>;

/** One row of `dozen ps`: the supervisor's InstanceStatus plus process-tree stats. */
export const InstanceInfo = z.object({
  name: z.string(),
  type: z.string(),
  index: z.number().int(),
  state: z.string(),
  pid: z.number().int().nullable(),
  port: z.number().int().nullable(),
  ready: z.boolean(),
  startedAt: z.number().nullable(),
  uptimeMs: z.number().nullable(),
  restarts: z.number().int(),
  lastExit: exitOutcome.nullable(),
  /** 1 for the first run of the name, then one more for each replacement (absent from older servers). */
  generation: z.number().int().optional(),
  /** The numbered release it runs, null for a working tree. */
  release: z.string().nullable().optional(),
  /** `member`; during a surge `incoming` (the next generation, not ready yet) or `outgoing` (being stopped). */
  role: z.enum(['member', 'incoming', 'outgoing']).optional(),
  /** % of one CPU used by the whole process tree over the sample; null when not running. */
  cpuPercent: z.number().nullable(),
  /** Sum of the tree's resident set sizes; null when not running. */
  rssBytes: z.number().nullable(),
  /** Live processes in the tree (the `sh -c`, the app, its children). */
  processes: z.number().int(),
});
export type InstanceInfo = z.infer<typeof InstanceInfo>;

const RouterCounts = {
  requests: z.number().int(),
  /** Answers per status class (`2xx`: 120); a client that hung up counts as 499. */
  statusClasses: z.record(z.string(), z.number().int()),
  /** Over the last minute: how many requests, and their latency percentiles in ms; null: none. */
  latency: z.object({ count: z.number(), p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
};

/** The router of `dozen start --router`: where it listens and what it has served. */
export const RouterInfo = z.object({
  address: z.string(),
  ...RouterCounts,
  /** Failures by Heroku code (`H14`: 3). */
  errors: z.record(z.string(), z.number().int()),
  inFlight: z.number().int(),
  instances: z.array(
    z.object({ name: z.string(), ports: z.array(z.number().int()), inFlight: z.number().int(), draining: z.boolean(), ...RouterCounts }),
  ),
});
export type RouterInfo = z.infer<typeof RouterInfo>;

/** `router`: present when dozen runs one (`--router`). */
export const StatusResult = z.object({ server: ServerInfo, instances: z.array(InstanceInfo), router: RouterInfo.optional() });
export type StatusResult = z.infer<typeof StatusResult>;

/**
 * Result of restart and stop: each instance acted on, with its pid before and after. `failure`:
 * a restart that stopped because a replacement never became ready (the old instance serves on).
 */
export const ActionResult = z.object({
  instances: z.array(z.object({ name: z.string(), pidBefore: z.number().int().nullable(), pid: z.number().int().nullable(), state: z.string() })),
  /** `surged`: the replacement was started beside the old instance, which keeps serving. */
  failure: z.object({ instance: z.string(), reason: z.string(), surged: z.boolean().optional() }).nullable().optional(),
});
export type ActionResult = z.infer<typeof ActionResult>;

export const ScaleResult = z.object({
  added: z.array(z.object({ name: z.string(), port: z.number().int().nullable() })),
  removed: z.array(z.string()),
});
export type ScaleResult = z.infer<typeof ScaleResult>;

export const StoredLineInfo = z.object({
  id: z.number().int(),
  tsUs: z.number(),
  instance: z.string(),
  type: z.string(),
  source: z.enum(['app', 'dozen', 'build']),
  stream: z.string(),
  text: z.string(),
});

/** The matching lines (oldest first) and the cursor: the number of the newest line the answer saw. */
export const LogsResult = z.object({ lines: z.array(StoredLineInfo), cursor: z.number().int() });
export type LogsResult = z.infer<typeof LogsResult>;

export const SwitchResult = z.object({
  version: z.number().int(),
  replaced: z.array(z.string()),
  failure: z.object({ instance: z.string(), reason: z.string() }).nullable(),
});
export type SwitchResult = z.infer<typeof SwitchResult>;

export const QuitResult = z.object({ pid: z.number().int() });
export type QuitResult = z.infer<typeof QuitResult>;

/** What each method answers with (`subscribe` answers `{}` then streams events). */
export const ResultFor = {
  hello: ServerInfo,
  status: StatusResult,
  restart: ActionResult,
  stop: ActionResult,
  scale: ScaleResult,
  quit: QuitResult,
  subscribe: z.object({}),
  logs: LogsResult,
  release: SwitchResult,
} as const satisfies Record<Method, z.ZodType>;
export type ResultFor<M extends Method> = z.infer<(typeof ResultFor)[M]>;

export const WireError = z.object({ code: ErrorCode, message: z.string() });
export type WireError = z.infer<typeof WireError>;

/** Any line a server sends. `result` is checked against ResultFor by the client. */
export const ServerLine = z.union([
  z.object({ v: version, id, ok: z.literal(true), result: z.unknown() }),
  z.object({ v: version, id: id.nullable(), ok: z.literal(false), error: WireError }),
  /** A SupervisorEvent (output `data` as UTF-8 text), or `{type: 'dropped', count}`. */
  z.object({ v: version, id, event: z.looseObject({ type: z.string(), at: z.number() }) }),
]);
export type ServerLine = z.infer<typeof ServerLine>;

/** Distributes Omit over a union, so each method keeps its own params. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<Request, 'v' | 'id'>;

/** Turns a zod failure into one short line: `params.patterns: Too small ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}

export type ParsedRequest =
  | { ok: true; request: Request }
  | { ok: false; id: number | null; error: WireError };

/** Validates one request line; never throws. */
export function parseRequestLine(line: string): ParsedRequest {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: { code: 'bad-request', message: 'not a JSON line' } };
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) {
    return { ok: false, id: null, error: { code: 'bad-request', message: `expected {v, id, method}: ${describeIssues(envelope.error)}` } };
  }
  const { v, id: requestId, method } = envelope.data;
  if (v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      id: requestId,
      error: { code: 'version', message: `protocol version ${v} is not supported (this dozen speaks ${PROTOCOL_VERSION})` },
    };
  }
  if (!(method in ResultFor)) {
    const methods = Object.keys(ResultFor).join(', ');
    return { ok: false, id: requestId, error: { code: 'bad-request', message: `unknown method "${method}" (expected one of ${methods})` } };
  }
  const parsed = Request.safeParse(json);
  if (!parsed.success) {
    return { ok: false, id: requestId, error: { code: 'bad-request', message: `bad ${method} request: ${describeIssues(parsed.error)}` } };
  }
  return { ok: true, request: parsed.data };
}
