// The app model: where an app lives, its Procfile, its config. Every input is explicit (the folder
// relative paths start from, the inherited environment), so the CLI, the doctor and the release
// store load apps the same way, never from the current folder by accident.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { loadEnv } from '../env/load-env.js';
import { APP_JSON, healthPathProblem, healthPathsOf } from './app-json.js';
import type { LoadedEnv } from '../env/types.js';
import { type Diagnostic, DozenError, formatDiagnostic } from '../errors.js';
import { parseProcfile } from '../procfile/parse.js';
import type { ParsedProcfile } from '../procfile/types.js';

export const DEFAULT_PROCFILE = 'Procfile';
export const DEFAULT_ENV_FILE = '.env';

export interface LoadedApp {
  /** Absolute app root: the processes' working directory. */
  root: string;
  /** Absolute path of the Procfile (which may not exist when it was optional). */
  procfilePath: string;
  /** Its entries; empty when an optional Procfile is absent. */
  procfile: ParsedProcfile;
  /** Whether the Procfile was there to read. */
  procfileFound: boolean;
  /** Absolute paths of the env files read, in order. */
  envFiles: string[];
  env: LoadedEnv;
  /** The app's config as the child sees it: the keys the env files define, precedence applied. */
  config: Record<string, string>;
  /** The environment dozen inherited (the base of every child's environment). */
  inherited: Record<string, string | undefined>;
  /** Warning diagnostics, formatted `FILE:LINE: message`. */
  warnings: string[];
  /**
   * The HTTP path each process type's instances must answer 2xx/3xx on to be ready, by type:
   * `web`'s from app.json's `healthchecks.web` (Dokku's), or `--health-path`; none by default.
   */
  healthPaths: Record<string, string>;
}

/** Where to find an app and how to read its config. */
export interface AppSource {
  /** The folder relative paths are resolved from and messages show paths relative to. */
  cwd: string;
  /** The app root (-d); default: the Procfile's folder. */
  root?: string | undefined;
  /** The Procfile (-f); default: `Procfile` in the root, else in `cwd`. */
  procfile?: string | undefined;
  /** Env files, comma-separated, relative to the root (-e); default `.env` if present; "" reads none. */
  env?: string | undefined;
  /** The environment dozen inherited: it wins over the files unless `override`. */
  inherited: NodeJS.ProcessEnv;
  override?: boolean;
  expand?: boolean;
  envLenient?: boolean;
  strict?: boolean;
  /** `dozen run` and `dozen env` work without a Procfile; the others need one. */
  procfileOptional?: boolean;
  /**
   * A release's config snapshot, instead of env files (which are development config and are not
   * read): it wins over the inherited environment, which still gives PATH, HOME and the like.
   */
  config?: { release: string; values: Record<string, string> } | undefined;
  /** The web instances' health path (--health-path): wins over app.json's. Starts with `/`. */
  healthPath?: string | undefined;
}

/** Reads the Procfile and env files the source names. Throws DozenError on the first error. */
export function loadApp(source: AppSource): LoadedApp {
  const { cwd, inherited } = source;
  const opts = { override: false, expand: true, envLenient: false, strict: false, ...source };
  const shown = (path: string) => shownFrom(cwd, path);
  const rootFlag = opts.root === undefined ? undefined : resolve(cwd, opts.root);
  if (rootFlag !== undefined) requireDirectory(rootFlag);

  // foreman's rule: -f is a path like any other (from the current folder); without it, the
  // Procfile is looked for in -d, else here. The root is -d, else the Procfile's folder.
  const procfilePath =
    opts.procfile !== undefined ? resolve(cwd, opts.procfile) : resolve(rootFlag ?? cwd, DEFAULT_PROCFILE);
  const root = rootFlag ?? dirname(procfilePath);

  const procfileText = readProcfile(procfilePath, opts.procfileOptional ?? false, shown);
  const procfile =
    procfileText === undefined
      ? { path: shown(procfilePath), entries: [], diagnostics: [] }
      : parseProcfile(procfileText, shown(procfilePath), { strict: opts.strict });

  const snapshot = opts.config;
  const envFiles = snapshot ? [] : envFilePaths(opts.env, root);
  const env: LoadedEnv = snapshot
    ? {
        vars: Object.entries(snapshot.values).map(([key, value]) => ({ key, value, source: { type: 'config-store', release: snapshot.release } })),
        diagnostics: [],
      }
    : loadEnv(
        envFiles.map((path) => ({ path: shown(path), text: readEnvFile(path, shown) })),
        inherited,
        { override: opts.override, expand: opts.expand, lenient: opts.envLenient },
      );

  const diagnostics = [...procfile.diagnostics, ...env.diagnostics];
  const firstError = diagnostics.find((d) => d.severity === 'error');
  if (firstError) throw diagnosticError(firstError, procfile.diagnostics.includes(firstError) ? 'procfile' : 'env');

  return {
    root,
    procfilePath,
    procfile,
    procfileFound: procfileText !== undefined,
    envFiles,
    env,
    config: Object.fromEntries(env.vars.map((v) => [v.key, v.value])),
    inherited: { ...inherited },
    warnings: diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic),
    healthPaths: healthPaths(root, opts.healthPath, shown),
  };
}

/** app.json's health paths (in the app root, optional), with --health-path over web's. */
function healthPaths(root: string, flag: string | undefined, shown: (path: string) => string): Record<string, string> {
  if (flag !== undefined) {
    const problem = healthPathProblem(flag);
    if (problem !== undefined) throw new DozenError('usage', `--health-path: ${problem}`);
  }
  const path = resolve(root, APP_JSON);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DozenError('config', `cannot read ${shown(path)}: ${errnoText(err)}`);
  }
  const fromFile = text === undefined ? {} : healthPathsOf(text, shown(path));
  return flag === undefined ? fromFile : { ...fromFile, web: flag };
}

/** A path as it appears in messages: relative to `cwd` when inside it. */
export function shownFrom(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** `-e a,b` -> absolute paths (relative names are in the app root); default `.env` if present. */
function envFilePaths(spec: string | undefined, root: string): string[] {
  if (spec === undefined) {
    const dotenv = resolve(root, DEFAULT_ENV_FILE);
    return isFile(dotenv) ? [dotenv] : [];
  }
  return spec
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => resolve(root, name));
}

function readProcfile(path: string, optional: boolean, shown: (path: string) => string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && optional) return undefined;
    if (code === 'ENOENT') {
      throw new DozenError('procfile', `Procfile not found at ${path}.`, {
        hint: 'Use -f FILE to name it, or -d DIR for the app folder.',
      });
    }
    throw new DozenError('procfile', `cannot read Procfile ${shown(path)}: ${errnoText(err)}`);
  }
}

function readEnvFile(path: string, shown: (path: string) => string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DozenError('env', `env file not found: ${path}.`, {
        hint: '-e names files relative to the app root; -e "" reads none.',
      });
    }
    throw new DozenError('env', `cannot read env file ${shown(path)}: ${errnoText(err)}`);
  }
}

/** Throws a one-line config error unless `path` (an app root) is a folder. */
export function requireDirectory(path: string): void {
  let problem: string | undefined;
  try {
    if (!statSync(path).isDirectory()) problem = 'not a folder';
  } catch (err) {
    problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : errnoText(err);
  }
  if (problem !== undefined) {
    throw new DozenError('config', `app root ${path}: ${problem}.`, { hint: 'Check -d/--root.' });
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** A parser's error diagnostic as the DozenError that reports it: `FILE:LINE: message hint`. */
export function diagnosticError(d: Diagnostic, code: 'procfile' | 'env'): DozenError {
  return new DozenError(code, d.message, {
    location: { file: d.file, line: d.line },
    ...(d.hint === undefined ? {} : { hint: d.hint }),
  });
}

/** `EACCES` -> "permission denied", without the stack or the path repeated. */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a folder';
  return e.code ?? String(err);
}
