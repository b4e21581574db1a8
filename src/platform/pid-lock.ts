// A lock file naming its holder: `{pid, what}` written with O_EXCL. A lock whose pid is gone (a
// holder that was SIGKILLed) is stale and taken over; a live one is refused with who holds it, so
// a second deploy of an app says which one runs instead of waiting in silence.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';

export interface LockHolder {
  pid: number;
  what: string;
}

export type LockResult<T> = { ok: true; value: T } | { ok: false; holder: LockHolder };

/** Whether a pid is a live process (ours or not). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the lock at `path`; `{ok: false, holder}` if a live process holds it. */
export async function withPidLock<T>(path: string, what: string, fn: () => Promise<T> | T): Promise<LockResult<T>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder && isProcessAlive(holder.pid)) return { ok: false, holder };
      // Empty and fresh: its holder is between creating and writing it.
      if (!holder && Date.now() - mtimeOf(path) < FRESH_MS) return { ok: false, holder: { pid: 0, what: 'starting' } };
      rmSync(path, { force: true }); // stale: its holder is gone
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, what } satisfies LockHolder));
    } finally {
      closeSync(fd);
    }
    try {
      return { ok: true, value: await fn() };
    } finally {
      rmSync(path, { force: true });
    }
  }
  const holder = readHolder(path);
  return { ok: false, holder: holder ?? { pid: 0, what: 'unknown' } };
}

/** An unreadable lock younger than this may be one being written. */
const FRESH_MS = 2_000;

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, what: String(parsed.what ?? '') } : undefined;
  } catch {
    // Not written yet, or by a holder killed between create and write.
    return undefined;
  }
}
