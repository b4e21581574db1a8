// The app's private state folder (.dozen/ in the app root, or $DOZEN_STATE_DIR): control socket,
// log store, config store, releases. Private to the user: folder 0700, files 0600. dozen uses a
// folder only when it is a real folder owned by the user and writable by no one else (see
// private-files.ts): a `.dozen` link committed in a repository, or a folder another user made,
// is refused with one line saying how to fix it, never chmodded or written through.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { storageError } from '../errors.js';
import { untrustedFolder } from './private-files.js';

export function stateDirFor(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DOZEN_STATE_DIR;
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : resolve(root, '.dozen');
}

/** Creates the folder if needed and makes sure only its owner can enter it. Returns its path. */
export function ensureStateDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = stateDirFor(root, env);
  try {
    // lstat first: mkdir -p accepts a link to a folder as the folder. The folder itself is made
    // alone: on a read-only file system a recursive mkdir reports ENOENT, not EROFS.
    if (!lstatSync(dir, { throwIfNoEntry: false })) {
      mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
      mkdirSync(dir, { mode: 0o700 });
    }
    const stat = lstatSync(dir);
    const refused = untrustedFolder(dir, stat, 'state folder');
    if (refused) throw refused;
    // mkdir's mode is filtered by the umask and ignored for an existing folder: set it explicitly
    // (a folder of ours that others could only read or enter: a real folder, checked above).
    if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  } catch (err) {
    throw storageError(err) ?? err;
  }
  return dir;
}

/** Throws (one line) when the state folder exists but cannot be trusted; for commands that only read it. */
export function checkStateDir(dir: string): void {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  const refused = stat && untrustedFolder(dir, stat, 'state folder');
  if (refused) throw refused;
}
