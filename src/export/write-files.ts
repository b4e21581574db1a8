// Writes an exporter's files: never half a file (temp file, fsync, rename), never over a file
// dozen did not write (unless forced). The only part of src/export/ that touches the disk.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DozenError } from '../errors.js';
import { syncDir, writeFileAtomic } from '../platform/atomic-file.js';
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

/** Atomically (see platform/atomic-file.ts), as an export error naming the file if it fails. */
function writeAtomically(target: string, content: string, mode: number): void {
  try {
    writeFileAtomic(target, content, mode);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new DozenError('export', `cannot write ${target}: ${e.code ?? e.message}`);
  }
}
