// Reads everything the static checks look at, once: the app as loadApp sees it (Procfile, env
// files, config), the files its git repository tracks, and its source files (text only, capped).
// Nothing here writes: the doctor never changes the app's files.
import { execFile } from 'node:child_process';
import { lstatSync, openSync, readSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { type AppSource, loadApp } from '../app/load-app.js';
import { parseDotenv } from '../env/parse-dotenv.js';
import type { AppFacts, SourceFile } from './types.js';

/** Folders never read: version control, dozen's state, installed packages, build output, caches. */
const SKIPPED_FOLDERS = new Set([
  '.git', '.dozen', 'node_modules', '__pycache__', 'dist', 'build', 'vendor',
  '.tox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.next', '.nuxt', '.cache', 'coverage',
]);

export const SOURCE_LIMITS = { fileBytes: 512 * 1024, totalBytes: 32 * 1024 * 1024, files: 5000 };

/** Reads the app `source` names. Throws DozenError when loadApp does (an env file that does not parse). */
export async function readApp(source: AppSource): Promise<AppFacts> {
  const app = loadApp({ ...source, procfileOptional: true });
  const rel = (path: string) => toPosix(relative(app.root, path));
  const envFiles = app.envFiles.map((path) => {
    const parsed = parseDotenv(readFileSync(path, 'utf8'), rel(path), { lenient: true });
    const entries = parsed.entries.map((e) => ({ key: e.key, value: e.kind === 'assign' ? e.raw : '', line: e.line }));
    return { path: rel(path), entries };
  });
  const facts: AppFacts = { root: app.root, envFiles, config: app.config, files: readSourceFiles(app.root) };
  if (app.procfileFound) {
    facts.procfile = {
      path: rel(app.procfilePath),
      entries: app.procfile.entries.map((e) => ({ name: e.name, command: e.command, line: e.line })),
    };
  }
  const git = await gitTracked(app.root, source.inherited);
  if (git) facts.git = git;
  return facts;
}

/** The git repository around `root` and the files it tracks there, relative to `root`; undefined: none. */
export async function gitTracked(root: string, env: NodeJS.ProcessEnv): Promise<AppFacts['git']> {
  const top = await gitOutput(root, ['rev-parse', '--show-toplevel'], env);
  if (top === undefined) return undefined;
  const listed = (await gitOutput(root, ['ls-files', '-z'], env)) ?? '';
  const tracked = new Set(listed.split('\0').filter((p) => p !== ''));
  return { root: top.trim(), tracked };
}

/** git's stdout, or undefined when it fails (not a repository) or is not installed. */
function gitOutput(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  // No GIT_* variable: a hook's GIT_DIR or GIT_INDEX_FILE would point at another repository.
  const clean = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('GIT_')));
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-c', 'core.quotePath=false', ...args],
      { cwd, env: { ...clean, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 64 << 20, encoding: 'utf8' },
      (err, stdout) => resolve(err ? undefined : stdout),
    );
  });
}

/** The app's text files under `root`, skipping vendored and generated folders, binaries and large files. */
export function readSourceFiles(root: string, limits = SOURCE_LIMITS): SourceFile[] {
  const files: SourceFile[] = [];
  let total = 0;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (_err) {
      return; // a folder we may not read is left out, like a binary
    }
    for (const name of names) {
      if (files.length >= limits.files || total >= limits.totalBytes) return;
      const path = join(dir, name);
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat === undefined || stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(name) && !isVirtualEnv(path)) walk(path);
        continue;
      }
      if (!stat.isFile() || stat.size > limits.fileBytes) continue;
      const text = readText(path);
      if (text === undefined) continue;
      files.push({ path: toPosix(relative(root, path)), text });
      total += stat.size;
    }
  };
  walk(root);
  return files;
}

/** A Python virtual environment (`venv`, `.venv`, `env`...): it holds a pyvenv.cfg. */
function isVirtualEnv(dir: string): boolean {
  return lstatSync(join(dir, 'pyvenv.cfg'), { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The file as UTF-8 text; undefined for a binary (a NUL byte in its first 8 KB) or one we may not read. */
function readText(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(8192);
    const n = readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, n).includes(0)) return undefined;
    return readFileSync(fd, 'utf8');
  } catch (_err) {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
