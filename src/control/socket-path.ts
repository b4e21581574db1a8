// Where the control socket of an app lives.
import { join } from 'node:path';
import { DozenError } from '../errors.js';

export const SOCKET_NAME = 'control.sock';

/** A unix socket path must fit in sockaddr_un.sun_path: 108 bytes with the final NUL on Linux. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** `<stateDir>/control.sock`; throws a clear error when the path is too long to bind or connect. */
export function controlSocketPath(stateDir: string): string {
  const path = join(stateDir, SOCKET_NAME);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new DozenError('control', `control socket path ${path} is ${bytes} bytes, more than a unix socket allows (${MAX_SOCKET_PATH_BYTES})`, {
      hint: 'Set DOZEN_STATE_DIR to a shorter folder.',
    });
  }
  return path;
}
