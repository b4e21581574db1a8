// Where builds live and what is kept of them, in the state folder:
//
//   builds/<id>/           the build: the commit's files plus what its steps made; read-only
//   builds/<id>.json       its record, written (atomically) once the build is complete
//   builds/<id>.building   while it is being made: the pid of the dozen making it
//
// A build is made in its own folder, not in a temporary one renamed at the end: what build steps
// install may hold its own absolute path (a virtualenv's scripts name their python by it), so the
// folder must not move. A build exists once its record does: a folder with no record, or with a
// record of a failed build, is half-made, never listed, and removed by the next build (unless the
// dozen named in its marker still runs). A failed build keeps only its record.
import { lstatSync, mkdirSync, readdirSync, readFileSync, chmodSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DozenError } from '../errors.js';
import { writeFileAtomic } from '../platform/atomic-file.js';

export const BuildStepRecord = z.object({
  name: z.string(),
  durationMs: z.number(),
  status: z.enum(['succeeded', 'failed']),
});
export type BuildStepRecord = z.infer<typeof BuildStepRecord>;

export const BuildRecord = z.object({
  /** `b-20261128164012-1a2b3c4`: when it started (UTC) and the commit; `-2`, `-3` for a second one in the same second. */
  id: z.string(),
  /** The full sha of the commit built. */
  commit: z.string(),
  status: z.enum(['succeeded', 'failed']),
  durationMs: z.number(),
  /** The build folder (absolute); '' for a failed build, of which no folder is kept. */
  path: z.string(),
  /** When it started, ISO 8601 UTC. */
  createdAt: z.string(),
  /** The steps run, in order; a failed build's last one is the one that failed. */
  steps: z.array(BuildStepRecord),
  /** Folders of the build (absolute) the processes find first on PATH, in this order (`.venv/bin`). */
  paths: z.array(z.string()),
  /** Why a failed build failed, one line. */
  error: z.string().optional(),
});
export type BuildRecord = z.infer<typeof BuildRecord>;

const ID = /^b-\d{14}-[0-9a-f]{7}(-\d+)?$/;
const RECORD = '.json';
const MARKER = '.building';
/** writeFileAtomic's temp files older than this are a killed writer's. */
const STALE_TEMP_MS = 10 * 60_000;

export function buildsDir(stateDir: string): string {
  return join(stateDir, 'builds');
}

/** Every build, succeeded and failed, newest first. */
export function listBuilds(stateDir: string): BuildRecord[] {
  const dir = buildsDir(stateDir);
  const records = entries(dir)
    .filter((name) => name.endsWith(RECORD) && ID.test(name.slice(0, -RECORD.length)))
    .map((name) => readRecord(join(dir, name)));
  return records.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
}

/** The build `id`; undefined when there is none (or `id` is not a build id). */
export function readBuild(stateDir: string, id: string): BuildRecord | undefined {
  if (!ID.test(id)) return undefined;
  const path = join(buildsDir(stateDir), `${id}${RECORD}`);
  return statSync(path, { throwIfNoEntry: false }) ? readRecord(path) : undefined;
}

function readRecord(path: string): BuildRecord {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DozenError('config', `${path}: not a build record (${(err as Error).message})`);
  }
  const parsed = BuildRecord.safeParse(json);
  if (!parsed.success) throw new DozenError('config', `${path}: not a build record (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/**
 * Removes builds beyond the newest `keep` succeeded ones, except those in `inUse`, and failed
 * records beyond the newest `keep` of them; also what half-made builds left. Returns the ids removed.
 */
export function pruneBuilds(stateDir: string, keep: number, inUse: Set<string>): string[] {
  removeUnfinishedBuilds(stateDir);
  const removed: string[] = [];
  const kept = { succeeded: 0, failed: 0 };
  for (const record of listBuilds(stateDir)) {
    if (inUse.has(record.id) || kept[record.status] < keep) {
      kept[record.status] += 1;
      continue;
    }
    // The record first: from then on the build is not listed; a folder left by a kill here is half-made.
    rmSync(join(buildsDir(stateDir), `${record.id}${RECORD}`), { force: true });
    removeTree(join(buildsDir(stateDir), record.id));
    removed.push(record.id);
  }
  return removed;
}

/**
 * Removes what builds that did not finish left behind (a SIGKILL, a power cut): folders without a
 * succeeded build's record whose maker is gone, and their markers. Returns the ids removed.
 */
export function removeUnfinishedBuilds(stateDir: string): string[] {
  const dir = buildsDir(stateDir);
  const names = new Set(entries(dir));
  const ids = new Set<string>();
  for (const name of names) {
    if (name.startsWith('.') && name.endsWith('.dozen-tmp')) {
      // A record being written when its writer was killed.
      const age = Date.now() - (statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_TEMP_MS) rmSync(join(dir, name), { force: true });
    }
    const id = name.replace(/\.(json|building)$/, '');
    if (ID.test(id)) ids.add(id);
  }
  const removed: string[] = [];
  for (const id of ids) {
    const marker = join(dir, `${id}${MARKER}`);
    const marked = names.has(`${id}${MARKER}`);
    if (marked && makerRuns(marker)) continue; // being made now
    // Read now, not from the listing: its maker may have finished since. Killed after its record
    // was written, a build is whole: only the marker is left.
    if (readBuild(stateDir, id)?.status === 'succeeded') {
      if (marked) rmSync(marker, { force: true });
      continue;
    }
    if (names.has(id)) {
      removeTree(join(dir, id));
      removed.push(id);
    }
    if (marked) rmSync(marker, { force: true });
  }
  return removed;
}

/** The names in `dir`; none when it does not exist. */
function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Whether the dozen whose pid the marker holds is still running. */
function makerRuns(marker: string): boolean {
  let text: string;
  try {
    text = readFileSync(marker, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // its build has just ended
    throw err;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Takes the id for a build of `commit` started at `at` and creates its marker (this process's
 * pid) and its empty folder. The marker comes first: a folder without one is never a live build.
 */
export function claimBuild(stateDir: string, commit: string, at: Date): { id: string; dir: string } {
  const dir = buildsDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  for (let n = 1; ; n++) {
    const id = `b-${stamp}-${commit.slice(0, 7)}${n === 1 ? '' : `-${n}`}`;
    try {
      writeFileSync(join(dir, `${id}${MARKER}`), `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    if (statSync(join(dir, `${id}${RECORD}`), { throwIfNoEntry: false }) || statSync(join(dir, id), { throwIfNoEntry: false })) {
      rmSync(join(dir, `${id}${MARKER}`));
      continue;
    }
    mkdirSync(join(dir, id), { mode: 0o755 });
    return { id, dir: join(dir, id) };
  }
}

/** Writes the record of a build that has ended; for a failed one, then removes its folder. Last, its marker. */
export function finishBuild(stateDir: string, record: BuildRecord): void {
  const dir = buildsDir(stateDir);
  writeFileAtomic(join(dir, `${record.id}${RECORD}`), `${JSON.stringify(record, null, 2)}\n`);
  if (record.status === 'failed') removeTree(join(dir, record.id));
  rmSync(join(dir, `${record.id}${MARKER}`), { force: true });
}

/** Takes the write permission off every file and folder under `dir` (symbolic links are left as they are). */
export function makeReadOnly(dir: string): void {
  walk(dir, (path, mode) => chmodSync(path, mode & ~0o222));
}

/** Removes a folder made read-only by makeReadOnly (or half-made). */
export function removeTree(dir: string): void {
  if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
  // Entries can be removed only from a writable folder; files need nothing.
  walk(dir, (path, mode, isDir) => {
    if (isDir && (mode & 0o700) !== 0o700) chmodSync(path, mode | 0o700);
  }, { foldersFirst: true });
  rmSync(dir, { recursive: true, force: true });
}

/** Calls `fn` for `dir` and everything under it (links not followed): contents first, unless `foldersFirst`. */
function walk(dir: string, fn: (path: string, mode: number, isDir: boolean) => void, opts: { foldersFirst?: boolean } = {}): void {
  const stat = lstatSync(dir);
  if (opts.foldersFirst) fn(dir, stat.mode, true);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, fn, opts);
    else if (entry.isFile()) fn(path, lstatSync(path).mode, false);
  }
  if (!opts.foldersFirst) fn(dir, stat.mode, true);
}
