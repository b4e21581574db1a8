// One HTTP health check of an instance: GET http://127.0.0.1:PORT/PATH, a new connection each time
// (no keep-alive: a check must not hold a socket the app would count), a short timeout, the body
// discarded. 2xx and 3xx pass (redirects are not followed: the app answered).
import { request } from 'node:http';

export type HealthAnswer =
  /** The app answered 2xx or 3xx. */
  | { ok: true; status: number }
  /** It answered another status, or the request failed (`ECONNREFUSED`, `timed out after 2 s`). */
  | { ok: false; status: number | undefined; error: string | undefined };

export type HealthProbe = (port: number, path: string) => Promise<HealthAnswer>;

/** How long one check waits for the response's status line. */
export const HEALTH_TRY_TIMEOUT_MS = 2_000;

export const USER_AGENT = 'dozen-health';

export const httpHealthProbe: HealthProbe = (port, path) =>
  new Promise((resolve) => {
    let settled = false;
    const done = (answer: HealthAnswer) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(answer);
    };
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'GET',
      agent: false,
      headers: { Host: `127.0.0.1:${port}`, 'User-Agent': USER_AGENT, Connection: 'close', Accept: '*/*' },
    });
    req.setTimeout(HEALTH_TRY_TIMEOUT_MS, () => done({ ok: false, status: undefined, error: `timed out after ${HEALTH_TRY_TIMEOUT_MS / 1000} s` }));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume(); // the body is not read: drained and dropped with the socket
      done(status >= 200 && status < 400 ? { ok: true, status } : { ok: false, status, error: undefined });
    });
    req.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, status: undefined, error: err.code ?? err.message }));
    req.end();
  });

/** What the last failed check got, for messages: `500`, `ECONNREFUSED`, `timed out after 2 s`. */
export function describeAnswer(answer: HealthAnswer): string {
  return answer.status !== undefined ? String(answer.status) : answer.ok ? 'ok' : (answer.error ?? 'no answer');
}
