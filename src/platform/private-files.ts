// Files and folders that belong to the user running dozen: the state folder and what it holds.
// A folder is used only when it is a real folder (not a symbolic link), owned by this user and
// writable by no one else, as ssh's StrictModes does for ~/.ssh; files in it are opened without
// following a symbolic link (O_NOFOLLOW), so a link committed in a repository (`.dozen/logs.spool`
// pointing at someone's file) or planted in a shared folder never receives what dozen writes,
// and nothing is ever chmodded through a link.
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { DozenError } from '../errors.js';

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_RDONLY, O_RDWR } = constants;

/** How a private file is opened: read only, or read-write (created 0600 if missing), appending or not. */
export type PrivateOpen = 'read' | 'read-write' | 'append';

const FLAGS: Record<PrivateOpen, number> = {
  read: O_RDONLY | O_NOFOLLOW,
  'read-write': O_RDWR | O_CREAT | O_NOFOLLOW,
  append: O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW,
};

/**
 * Opens `path` without following a final symbolic link; a created file is 0600. Errors other
 * than a link (ENOENT for a missing file to read, EACCES...) are thrown as they are.
 */
export function openPrivate(path: string, how: PrivateOpen): number {
  let fd: number;
  try {
    fd = openSync(path, FLAGS[how], 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefused(path);
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw notRegularFile(path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** The file as text, read without following a link. Throws ENOENT as readFileSync does. */
export function readPrivateFile(path: string): string {
  const fd = openPrivate(path, 'read');
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.allocUnsafe(64 << 10);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) chunks.push(Buffer.from(buf.subarray(0, n)));
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Creates `path` (0600) if missing, makes it 0600 through its descriptor, never through a link. */
export function ensurePrivateFile(path: string): void {
  const fd = openPrivate(path, 'read-write');
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** Throws when `path` is a symbolic link (or anything but a regular file); a missing path is fine. */
export function refuseLink(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) throw linkRefused(path);
  if (stat && !stat.isFile()) throw notRegularFile(path);
}

const moveAway = (path: string) => `Move it away (mv ${path} ${path}.moved) and try again.`;

function notRegularFile(path: string): DozenError {
  return new DozenError('unsafe', `${path} is not a regular file.`, { hint: moveAway(path) });
}

function linkRefused(path: string): DozenError {
  return new DozenError('unsafe', `${path} is a symbolic link; dozen never reads or writes its state through a link.`, {
    hint: `Remove the link (rm ${path}) and try again.`,
  });
}

/**
 * Why the folder `stat` (an lstat) describes cannot be trusted, or undefined when it can: a
 * symbolic link, not a folder, owned by another user, or writable by group or others. `what`
 * names it in the message (`state folder`); `fix` is the way out when another user owns it.
 */
export function untrustedFolder(path: string, stat: Stats, what: string, uid: number | undefined = process.getuid?.()): DozenError | undefined {
  if (stat.isSymbolicLink()) {
    return new DozenError('unsafe', `the ${what} ${path} is a symbolic link; dozen keeps its state only in a real folder of yours.`, {
      hint: `Remove the link (rm ${path}) and try again.`,
    });
  }
  if (!stat.isDirectory()) return new DozenError('unsafe', `the ${what} ${path} is not a folder.`, { hint: moveAway(path) });
  if (uid !== undefined && stat.uid !== uid) {
    return new DozenError('unsafe', `the ${what} ${path} belongs to uid ${stat.uid}, not to you (uid ${uid}); its owner could read your logs and control your processes.`, {
      hint: `Remove it (rm -r ${path}) or take it over (chown -R ${uid} ${path}), then try again.`,
    });
  }
  if ((stat.mode & 0o022) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    return new DozenError('unsafe', `the ${what} ${path} is writable by other users (mode ${mode}); anyone could plant files in it.`, {
      hint: `Make it yours alone (chmod 700 ${path}) and try again.`,
    });
  }
  return undefined;
}
