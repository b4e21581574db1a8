// `--drain URL` / DOZEN_DRAINS: which receivers get a copy of every line. Validated up front with
// one-line errors; the password of an HTTPS drain is kept out of every message.
import { DozenError } from '../../errors.js';

export type DrainTarget =
  | { kind: 'syslog'; tls: boolean; host: string; port: number; display: string }
  | {
      kind: 'https';
      /** The endpoint without its credentials. */
      url: string;
      /** `Basic ...` from the URL's user:password, if any. */
      authorization: string | undefined;
      display: string;
    };

const EXPECTED = 'expected syslog://host:port, syslog+tls://host:port or https://[user:password@]host/path';

export function parseDrainUrl(text: string): DrainTarget {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new DozenError('usage', `--drain: ${EXPECTED}, got "${redact(text)}"`);
  }
  const shown = redact(text.trim());
  switch (url.protocol) {
    case 'syslog:':
    case 'syslog+tls:': {
      const tls = url.protocol === 'syslog+tls:';
      if (url.hostname === '') throw new DozenError('usage', `--drain: ${shown}: expected a host, as in ${url.protocol}//logs.example.com:${tls ? 6514 : 514}`);
      if (url.port === '') throw new DozenError('usage', `--drain: ${shown}: expected a port, as in ${url.protocol}//${url.hostname}:${tls ? 6514 : 514}`);
      if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.username !== '') {
        throw new DozenError('usage', `--drain: ${shown}: a syslog drain is just ${url.protocol}//host:port`);
      }
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // [::1] -> ::1
      return { kind: 'syslog', tls, host, port: Number(url.port), display: `${url.protocol}//${url.host}` };
    }
    case 'https:': {
      if (url.hostname === '') throw new DozenError('usage', `--drain: ${shown}: expected a host`);
      const decoded = (part: string, what: string) => {
        try {
          return decodeURIComponent(part);
        } catch {
          throw new DozenError('usage', `--drain: ${shown}: the ${what} is not valid percent-encoding (write a "%" as %25)`);
        }
      };
      const authorization =
        url.username !== '' || url.password !== ''
          ? `Basic ${Buffer.from(`${decoded(url.username, 'user')}:${decoded(url.password, 'password')}`).toString('base64')}`
          : undefined;
      url.username = '';
      url.password = '';
      return { kind: 'https', url: url.toString(), authorization, display: shown };
    }
    default:
      throw new DozenError('usage', `--drain: ${EXPECTED}, got scheme "${url.protocol}" in "${shown}"`);
  }
}

/** Every `--drain` flag, then DOZEN_DRAINS; each may be a comma-separated list. Duplicates are kept once. */
export function parseDrainList(flags: readonly string[], fromEnv: string | undefined): DrainTarget[] {
  const texts = [...flags, fromEnv ?? ''].flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  return [...new Set(texts)].map(parseDrainUrl);
}

/** `https://user:secret@host/x` -> `https://user:***@host/x` (also for unparsable text). */
export function redact(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
