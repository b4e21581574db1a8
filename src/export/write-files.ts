// Writes an exporter's files: never half a file (temp file, fsync, rename), never over a file
// dozen did not write (unless forced). The only part of src/export/ that touches the disk.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DozenError } from '../errors.js';
import { isDozenFile } from './header.js';
import type { ExportFile } from './types.js';

export interface WriteOptions {
  /** Overwrite files that lack dozen's header. */
  force: boolean;
}

/** Writes every file under `dir`; returns their absolute paths. Checks all before writing any. */
export function writeExport(dir: string, files: readonly ExportFile[], opts: WriteOptions): string[] {
  if (!opts.force) {
    for (const file of files) {
      const target = join(dir, file.path);
      const existing = readIfExists(target);
      if (existing !== undefined && !isDozenFile(existing)) {
        throw new DozenError('export', `${target} exists and was not written by dozen export; left unchanged.`, {
          hint: 'Move it away, or pass --force to overwrite it.',
        });
      }
    }
  }
  const written: string[] = [];
  for (const file of files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeAtomically(target, file.content, file.mode ?? (file.secret ? 0o600 : 0o644));
    written.push(target);
  }
  syncDir(dir);
  return written;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new DozenError('export', `cannot read ${path}: ${code ?? String(err)}`);
  }
}

/** Temp file beside the target, fsync, rename over it: readers see the old file or the new one. */
function writeAtomically(target: string, content: string, mode: number): void {
  const temp = join(dirname(target), `.${randomBytes(6).toString('hex')}.dozen-tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    const bytes = Buffer.from(content, 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new DozenError('export', `cannot write ${target}: ${e.code ?? e.message}`);
  }
}

/** Makes the renames durable: fsync the folder that holds them. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
