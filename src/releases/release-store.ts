// Numbered releases of an app (factor V): each a build plus a config snapshot, v1, v2, ...,
// immutable once settled, in `<stateDir>/releases.json` (0600: the snapshots hold secrets), always
// written whole and atomically. A release is `pending` while its release phase runs; one left
// pending by a dozen that died (its pid is gone) is not listed and is dropped by the next write,
// so a SIGKILL at any moment leaves the previous release current and no half-made one behind.
import { join } from 'node:path';
import { DozenError } from '../errors.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { isPidAlive } from '../platform/proc.js';
import { readPrivateFile } from '../platform/private-files.js';

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed';

export interface Release {
  version: number;
  /** `Deploy 1a2b3c4`, `Set KEY1, KEY2`, `Rollback to v3`: never a value. */
  description: string;
  /** The build's id (see build.ts). */
  build: string;
  commit: string;
  /** ISO 8601. */
  createdAt: string;
  status: ReleaseStatus;
  /** The config snapshot the processes get. */
  config: Record<string, string>;
  /** While pending: the dozen making it. */
  pid?: number;
}

export interface ReleaseLog {
  /** Oldest first. */
  releases: Release[];
  /** The version processes run by default (`current`); undefined before the first success. */
  current: number | undefined;
}

interface ReleaseFile {
  version: 1;
  current: number | null;
  releases: Release[];
}

export function releasesPath(stateDir: string): string {
  return join(stateDir, 'releases.json');
}

/** The app's releases, without any a dead dozen left pending. */
export function readReleases(stateDir: string): ReleaseLog {
  const file = readFile(stateDir);
  return {
    releases: file.releases.filter((r) => r.status !== 'pending' || (r.pid !== undefined && isPidAlive(r.pid))),
    current: file.current ?? undefined,
  };
}

/** `current`, `v3`, `3`: the release it names, or a one-line error. */
export function findRelease(log: ReleaseLog, spec: string): Release {
  const version = spec === 'current' ? log.current : parseVersion(spec);
  if (version === undefined) {
    throw new DozenError(
      'usage',
      spec === 'current'
        ? 'the app has no release yet: make one with dozen deploy'
        : `expected a release such as v3 or current, got "${spec}" (a word right after --release is taken as the release: put it first, or write --release current)`,
    );
  }
  const release = log.releases.find((r) => r.version === version);
  if (!release) throw new DozenError('usage', `the app has no release v${version} (releases: ${shownVersions(log)})`);
  return release;
}

/** findRelease, refusing a release that failed or is still being made: `what` it is for (`run`). */
export function findSucceededRelease(log: ReleaseLog, spec: string, what: string): Release {
  const release = findRelease(log, spec);
  if (release.status !== 'succeeded') {
    const state = release.status === 'failed' ? 'failed (its release phase)' : 'is still being made';
    throw new DozenError('usage', `v${release.version} ${state}: ${what} a release that succeeded`);
  }
  return release;
}

/** Adds the next release as pending (its release phase is still to run). Call under the deploy lock. */
export function addRelease(stateDir: string, fields: Pick<Release, 'description' | 'build' | 'commit' | 'config'>): Release {
  const log = readReleases(stateDir);
  const version = Math.max(0, ...log.releases.map((r) => r.version)) + 1;
  const release: Release = { version, ...fields, createdAt: new Date().toISOString(), status: 'pending', pid: process.pid };
  write(stateDir, { releases: [...log.releases, release], current: log.current });
  return release;
}

/** Settles a pending release; a success becomes current. Call under the deploy lock. */
export function settleRelease(stateDir: string, version: number, status: 'succeeded' | 'failed'): Release {
  const log = readReleases(stateDir);
  const found = log.releases.find((r) => r.version === version);
  if (!found || found.status !== 'pending') throw new DozenError('internal', `settleRelease: v${version} is not pending`);
  const settled: Release = { ...found, status };
  delete settled.pid;
  write(stateDir, {
    releases: log.releases.map((r) => (r.version === version ? settled : r)),
    current: status === 'succeeded' ? version : log.current,
  });
  return settled;
}

function parseVersion(spec: string): number | undefined {
  const m = /^v?(\d+)$/.exec(spec.trim());
  return m ? Number(m[1]) : undefined;
}

function shownVersions(log: ReleaseLog): string {
  return log.releases.length === 0 ? 'none' : log.releases.map((r) => `v${r.version}`).join(', ');
}

function readFile(stateDir: string): ReleaseFile {
  const path = releasesPath(stateDir);
  let text: string;
  try {
    text = readPrivateFile(path);
  } catch (err) {
    if (err instanceof DozenError) throw err; // a link, refused
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, current: null, releases: [] };
    throw new DozenError('config', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const file = JSON.parse(text) as ReleaseFile;
    if (file.version !== 1 || !Array.isArray(file.releases)) throw new Error('shape');
    return file;
  } catch {
    // Never the content: it holds config values.
    throw new DozenError('config', `${path} is damaged (not a releases file dozen wrote)`);
  }
}

function write(stateDir: string, log: { releases: Release[]; current: number | undefined }): void {
  const file: ReleaseFile = { version: 1, current: log.current ?? null, releases: log.releases };
  writeFileAtomic(releasesPath(stateDir), `${JSON.stringify(file, null, 2)}\n`, 0o600);
}
