// Files that are never half-written: a temp file beside the target, fsync, rename over it, fsync
// the folder. A reader (or a crash at any moment) sees the old content or the new, never a mix.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes `content` to `target` atomically with file mode `mode`; throws the errno error. */
export function writeFileAtomic(target: string, content: string | Uint8Array, mode = 0o600): void {
  const temp = join(dirname(target), `.${randomBytes(6).toString('hex')}.dozen-tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  syncDir(dirname(target));
}

/** Makes renames in `dir` durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
