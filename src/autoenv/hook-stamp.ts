// The stamp file the shell hook compares the watched files with (`test FILE -nt STAMP`): one per
// shell, touched at the start of each check, so a file changed after dozen read it is newer.
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$XDG_RUNTIME_DIR/dozen/hook` (cleared at logout), else `$XDG_CACHE_HOME/dozen/hook` or `~/.cache/dozen/hook`. */
export function stampDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/')) return resolve(env.XDG_RUNTIME_DIR, 'dozen/hook');
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return resolve(cache, 'dozen/hook');
}

/**
 * Truncates (creating it) the stamp of shell `pid`, so the kernel gives it the time of now, and
 * removes the stamps of shells that are gone. Returns its path.
 */
export function touchStamp(dir: string, pid: number): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  const path = join(dir, `${pid}`);
  closeSync(openSync(path, 'w', 0o600));
  for (const name of readdirSync(dir)) {
    if (/^\d+$/.test(name) && name !== `${pid}` && !isAlive(Number(name))) rmSync(join(dir, name), { force: true });
  }
  return path;
}

/**
 * A watched file dated after the stamp (an mtime in the future) would look changed at every
 * prompt: moves the stamp past the newest such file.
 */
export function raiseStamp(stamp: string, watched: readonly string[]): void {
  const stampMs = statSync(stamp).mtimeMs;
  // Only files dated after now: one changed since the stamp was touched must stay newer than it.
  const now = Date.now();
  let newest = stampMs;
  for (const path of watched) {
    try {
      const mtimeMs = statSync(path).mtimeMs;
      if (mtimeMs > now) newest = Math.max(newest, mtimeMs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (newest > stampMs) {
    const seconds = (newest + 1) / 1000;
    utimesSync(stamp, seconds, seconds);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
