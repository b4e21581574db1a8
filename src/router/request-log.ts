// One line per request, in Heroku's router format, so what people grep for on Heroku works here:
// `at=info method=GET path="/" host=example.test request_id=... fwd="127.0.0.1" dyno=web.1
// connect=0ms service=12ms status=200 bytes=5120 protocol=http`. Failures add `code` and `desc`.

/** The router's failures, with Heroku's codes and descriptions. */
export const ROUTER_ERRORS = {
  H11: 'Backlog too deep',
  H12: 'Request timeout',
  H13: 'Connection closed without response',
  H14: 'No web processes running',
  H18: 'Server Request Interrupted',
  H20: 'App boot timeout',
  H21: 'Backend connection refused',
  H27: 'Client Request Interrupted',
} as const;
export type RouterErrorCode = keyof typeof ROUTER_ERRORS;

export interface RequestRecord {
  method: string;
  path: string;
  host: string;
  requestId: string;
  fwd: string;
  /** The instance that served it (`web.1`); undefined when none did. */
  dyno: string | undefined;
  connectMs: number;
  serviceMs: number;
  status: number;
  bytes: number;
  code?: RouterErrorCode;
}

export function formatRequestLine(r: RequestRecord): string {
  const head = r.code === undefined ? 'at=info' : `at=error code=${r.code} desc="${ROUTER_ERRORS[r.code]}"`;
  return (
    `${head} method=${r.method} path="${quoted(r.path)}" host=${token(r.host)} request_id=${r.requestId} fwd="${quoted(r.fwd)}" ` +
    `dyno=${r.dyno ?? ''} connect=${Math.round(r.connectMs)}ms service=${Math.round(r.serviceMs)}ms status=${r.status} bytes=${r.bytes} protocol=http`
  );
}

// A client controls the path and Host: no quote, backslash or control character may break the line's fields.
function quoted(text: string): string {
  return text.replace(/[\\"\x00-\x1f\x7f]/g, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function token(text: string): string {
  return /^[^\s"\\\x00-\x1f\x7f]*$/.test(text) ? text : `"${quoted(text)}"`;
}
