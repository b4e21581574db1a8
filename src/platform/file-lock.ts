// A lock file for short read-modify-write sections shared by several dozen processes (`dozen
// config set` twice at once). The lock is a file holding its owner's pid and a token, made by
// hard-linking a complete temp file to the lock's name: link(2) fails when the name exists, as an
// O_EXCL create does, and the lock is never seen half-written. A lock whose pid is dead is stale:
// it is moved aside, checked to be the one judged stale, and removed.
import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DozenError, ExitCode } from '../errors.js';
import { isPidAlive } from './proc.js';

export interface FileLockOptions {
  /** What the lock guards, for the message when it stays taken: `the config store`. */
  what: string;
  /** How long to wait for a live owner to let go (default 10 s). */
  timeoutMs?: number;
  /** Tests: whether the owner of a lock still runs. */
  isAlive?: (pid: number) => boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs `fn` while holding the lock file `path`; waits (up to the timeout) while another holds it. */
export function withFileLock<T>(path: string, fn: () => T, opts: FileLockOptions): T {
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  acquire(path, content, opts);
  try {
    return fn();
  } finally {
    // Only our own lock: one taken over as stale (wrongly, if this process hung) is not ours.
    if (readLock(path) === content) rmSync(path, { force: true });
  }
}

/** withFileLock for an async section (a deploy): held until `fn` settles. */
export async function withFileLockAsync<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions): Promise<T> {
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  acquire(path, content, opts);
  try {
    return await fn();
  } finally {
    if (readLock(path) === content) rmSync(path, { force: true });
  }
}

function acquire(path: string, content: string, opts: FileLockOptions): void {
  const isAlive = opts.isAlive ?? isPidAlive;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (tryLink(temp, path)) return;
      const held = readLock(path);
      if (held === undefined) continue; // let go between our link and our read
      const pid = ownerPid(held);
      if (pid === undefined || !isAlive(pid)) {
        removeStale(path, held, pid);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new DozenError('config', `${opts.what} is locked by pid ${pid} (${path}), still after ${timeoutMs / 1000} s`, {
          exitCode: ExitCode.failure,
          hint: 'Try again; if that process is not dozen, remove the lock file.',
        });
      }
      sleepSync(5 + Math.random() * 15);
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

function tryLink(temp: string, path: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The lock's content, or undefined when there is no lock. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function ownerPid(content: string): number | undefined {
  const pid = Number(content.split(' ')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes the lock whose content was `stale`. Another process may have removed it and taken the
 * lock since we read it, so it is first moved aside (atomic) and checked: a lock that is not the
 * stale one is put back, unless yet another was made meanwhile.
 */
function removeStale(path: string, stale: string, pid: number | undefined): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw err;
  }
  if (readLock(aside) !== stale) tryLink(aside, path);
  rmSync(aside, { force: true });
  // What the dead owner left beside the lock (its temp file), if it died before removing it.
  if (pid === undefined) return;
  const prefix = `${basename(path)}.${pid}.`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
