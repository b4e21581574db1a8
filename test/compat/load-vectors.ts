// Reads the peers' compatibility vectors from ../shared/compat (next to the repo, never copied
// into it). When the folder is absent the compat tests skip and say why.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root: this file runs as dist/test/compat/load-vectors.js, three levels below it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the shared corpus lives, relative to the repo root. */
export const COMPAT_DIR = join(REPO_ROOT, '..', 'shared', 'compat');

/** The reason given to `test(..., { skip })` when the corpus is not there. */
export const SKIP_REASON = `compat vectors not found at ${COMPAT_DIR}; skipping the peer-compatibility tests`;

/**
 * Every vector in `file` (e.g. `procfile.json`), or undefined when the corpus folder is absent.
 * A folder that exists but lacks the file is an error: the corpus is broken, not missing.
 */
export function loadVectors<T extends { id: string }>(file: string): T[] | undefined {
  if (!existsSync(COMPAT_DIR)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(join(COMPAT_DIR, file), 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of vectors`);
  return parsed as T[];
}

/** docs/differences.md, where every known difference must be explained to users. */
export function readDifferencesDoc(): string {
  return readFileSync(join(REPO_ROOT, 'docs', 'differences.md'), 'utf8');
}

/**
 * Runs one vector against the known-differences table: a vector that fails must be listed, and a
 * listed one must still fail, so the table (and the docs built on it) stays true.
 * `mismatch` is undefined when dozen agrees with the peer, else what differs.
 */
export function checkAgainstKnown(id: string, mismatch: string | undefined, known: Record<string, string>): void {
  const reason = known[id];
  if (reason === undefined && mismatch !== undefined) {
    throw new Error(`${id}: ${mismatch} (not a listed known difference)`);
  }
  if (reason !== undefined && mismatch === undefined) {
    throw new Error(`${id} is listed as a known difference ("${reason}") but now passes: remove it from the table and docs/differences.md`);
  }
}
