// Which app a folder belongs to, for the shell hook and `dozen allow`: the nearest folder, from the
// current one up, holding one of the env files (`.env`, or the names DOZEN_ENV lists), and what
// the approvals say about their content.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AllowStore } from './allow-store.js';
import { sha256 } from './allow-store.js';
import type { AppCheck } from './hook-plan.js';

/** The env files the hook reads: DOZEN_ENV's list (as `-e` takes it), else `.env`. */
export function envFileNames(env: Record<string, string | undefined>): string[] {
  const list = env.DOZEN_ENV;
  if (list === undefined) return ['.env'];
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export interface FoundApp {
  /** The app's folder, when there is one. */
  root?: string;
  /** Its env files that exist, in DOZEN_ENV's order: name and absolute path. */
  files: { name: string; path: string }[];
  /** Every place an env file could appear and change which app this is (or what it loads). */
  absent: string[];
}

/** Looks for the app of `cwd` (absolute), walking up to `/`. */
export function findApp(cwd: string, names: readonly string[]): FoundApp {
  const absent: string[] = [];
  if (names.length === 0) return { files: [], absent };
  for (let dir = cwd; ; dir = dirname(dir)) {
    const files = names.map((name) => ({ name, path: join(dir, name) }));
    const present = files.filter((f) => isFile(f.path));
    absent.push(...files.filter((f) => !present.includes(f)).map((f) => f.path));
    if (present.length > 0) return { root: dir, files: present, absent };
    if (dirname(dir) === dir) return { files: [], absent };
  }
}

export interface CheckedApp {
  check: AppCheck;
  /** Approval files that exist / do not, for the hook to watch. */
  approvals: { present: string[]; absent: string[] };
}

/** Reads the app's env files and checks each one's content against the approvals. */
export function checkApp(found: FoundApp, store: AllowStore): CheckedApp {
  const approvals = { present: [] as string[], absent: [] as string[] };
  const root = found.root;
  if (root === undefined) return { check: { type: 'none' }, approvals };
  const files = found.files.map(({ name, path }) => {
    const bytes = readFileSync(path);
    const real = realpathSync(path);
    const digest = sha256(bytes);
    const approval = store.approvalFile(real);
    (isFile(approval) ? approvals.present : approvals.absent).push(approval);
    return { name, sha256: digest, text: bytes.toString('utf8'), allowed: store.isAllowed(real, digest) };
  });
  const blocked = files.filter((f) => !f.allowed).map((f) => f.name);
  const check: AppCheck =
    blocked.length > 0
      ? { type: 'blocked', root, files: files.map(({ name, sha256 }) => ({ name, sha256 })), blocked }
      : { type: 'allowed', root, files: files.map(({ name, sha256, text }) => ({ name, sha256, text })) };
  return { check, approvals };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'ELOOP') return false;
    throw err;
  }
}
