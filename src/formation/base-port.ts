// The base port: web.1 gets it, every other instance is an offset from it (see expand.ts).
import { DozenError } from '../errors.js';
import { clip } from '../procfile/clip.js';

export const DEFAULT_BASE_PORT = 5000;
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/**
 * `-p/--port` > PORT > 5000. `portFromEnv` is the PORT the child would see, i.e. already decided
 * by the env precedence rule (inherited environment over env files unless --override), so this
 * function does not know or care where it came from. An empty PORT counts as unset.
 */
export function resolveBasePort(flag: string | undefined, portFromEnv: string | undefined): number {
  if (flag !== undefined) return parsePort(flag, 'usage', '-p/--port');
  if (portFromEnv !== undefined && portFromEnv.trim() !== '') {
    return parsePort(portFromEnv, 'config', 'PORT', 'PORT comes from the environment or an env file; fix it there or pass -p/--port.');
  }
  return DEFAULT_BASE_PORT;
}

/** A port number from text, or an error naming `what` (`-p/--port`, `PORT`, `--listen`). */
export function parsePort(text: string, code: 'usage' | 'config', what: string, hint?: string): number {
  const digits = text.trim();
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (port >= MIN_PORT && port <= MAX_PORT) return port;
  const message = `${what}: expected a port number from ${MIN_PORT} to ${MAX_PORT}, got "${clip(text, 20)}"`;
  throw new DozenError(code, hint === undefined ? message : `${message}.`, hint === undefined ? {} : { hint });
}
