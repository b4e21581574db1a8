// The files under the app root, by size, mtime and inode, before and after the doctor's run:
// what the processes created, changed or deleted. Left out: the state folder, `.git`, Python's
// bytecode caches and node_modules/.cache (tools write there on their own). Symbolic links are
// recorded, not followed.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type TreeSnapshot = Map<string, { size: number; mtimeMs: number; ino: number }>;

/** At most this many entries are recorded; a larger tree is compared on its first ones. */
export const SNAPSHOT_MAX_ENTRIES = 100_000;

const SKIPPED_DIRS = new Set(['.git', '.dozen', '__pycache__']);

/** Whether a relative path is one the comparison leaves out. */
export function isSkippedPath(rel: string): boolean {
  if (rel.endsWith('.pyc')) return true;
  const parts = rel.split('/');
  return parts.some((p, i) => SKIPPED_DIRS.has(p) || (p === '.cache' && parts[i - 1] === 'node_modules'));
}

export function snapshotTree(root: string, maxEntries = SNAPSHOT_MAX_ENTRIES): TreeSnapshot {
  const snapshot: TreeSnapshot = new Map();
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (isGone(err)) return;
      throw err;
    }
    for (const name of names.sort()) {
      if (snapshot.size >= maxEntries) return;
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (isSkippedPath(relPath)) continue;
      const path = join(dir, name);
      let st;
      try {
        st = lstatSync(path);
      } catch (err) {
        if (isGone(err)) continue;
        throw err;
      }
      if (st.isDirectory()) walk(path, relPath);
      else snapshot.set(relPath, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
    }
  };
  walk(root, '');
  return snapshot;
}

export interface TreeChanges {
  /** Created, changed or deleted, sorted. */
  changed: string[];
  /** Of those, the ones that did not exist before and still exist. */
  created: string[];
}

export function diffTrees(before: TreeSnapshot, after: TreeSnapshot): TreeChanges {
  const changed = new Set<string>();
  const created: string[] = [];
  for (const [path, now] of after) {
    const was = before.get(path);
    if (was === undefined) {
      changed.add(path);
      created.push(path);
    } else if (was.size !== now.size || was.mtimeMs !== now.mtimeMs || was.ino !== now.ino) {
      changed.add(path);
    }
  }
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  return { changed: [...changed].sort(), created: created.sort() };
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES';
}
