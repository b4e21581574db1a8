// The app's private state folder (.dozen/ in the app root, or $DOZEN_STATE_DIR): control socket,
// log store. Private to the user: folder 0700, files 0600.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export function stateDirFor(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DOZEN_STATE_DIR;
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : resolve(root, '.dozen');
}

/** Creates the folder if needed and makes sure only its owner can enter it. Returns its path. */
export function ensureStateDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = stateDirFor(root, env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for an existing folder: set it explicitly.
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  return dir;
}
