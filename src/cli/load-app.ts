// Files and flags -> the app: where it lives, its Procfile, its config, the instances to run.
// The one place the CLI commands (check, env, run, start, export) turn options into data.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { loadEnv } from '../env/load-env.js';
import type { LoadedEnv } from '../env/types.js';
import { type Diagnostic, DozenError, formatDiagnostic } from '../errors.js';
import { resolveBasePort } from '../formation/base-port.js';
import { expandFormation } from '../formation/expand.js';
import { parseFormation } from '../formation/parse-formation.js';
import type { ProcessSpec } from '../formation/types.js';
import { parseProcfile } from '../procfile/parse.js';
import { type ParsedProcfile, RELEASE_TYPE } from '../procfile/types.js';
import type { AppCliOptions } from './options.js';

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
}

export interface LoadAppOptions {
  /** `dozen run` and `dozen env` work without a Procfile; the others need one. */
  procfileOptional?: boolean;
}

/** Reads the Procfile and env files named by the options. Throws DozenError on the first error. */
export function loadApp(opts: AppCliOptions, inherited: NodeJS.ProcessEnv = process.env, how: LoadAppOptions = {}): LoadedApp {
  const cwd = process.cwd();
  const rootFlag = opts.root === undefined ? undefined : resolve(cwd, opts.root);
  if (rootFlag !== undefined) requireDirectory(rootFlag);

  // foreman's rule: -f is a path like any other (from the current folder); without it, the
  // Procfile is looked for in -d, else here. The root is -d, else the Procfile's folder.
  const procfilePath =
    opts.procfile !== undefined ? resolve(cwd, opts.procfile) : resolve(rootFlag ?? cwd, DEFAULT_PROCFILE);
  const root = rootFlag ?? dirname(procfilePath);

  const procfileText = readProcfile(procfilePath, how.procfileOptional ?? false);
  const procfile =
    procfileText === undefined
      ? { path: shown(procfilePath), entries: [], diagnostics: [] }
      : parseProcfile(procfileText, shown(procfilePath), { strict: opts.strict });

  const envFiles = envFilePaths(opts.env, root);
  const env = loadEnv(
    envFiles.map((path) => ({ path: shown(path), text: readEnvFile(path) })),
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
  };
}

export interface PlanOptions {
  /** `-m` spec; undefined runs every type once. */
  formation?: string;
  /** `-p` value. */
  port?: string;
  /** Positional types: only these run. */
  types?: string[];
}

export interface Plan {
  instances: ProcessSpec[];
  release: ProcessSpec | undefined;
  basePort: number;
}

/** The instances the formation asks for, with their ports and environments. */
export function planInstances(app: LoadedApp, opts: PlanOptions = {}): Plan {
  const types = processTypes(app);
  // An unknown type is expandFormation's usage error (valid types listed, `release` pointed to `dozen run`).
  const only = opts.types !== undefined && opts.types.length > 0 ? opts.types : undefined;
  const formation = parseFormation(opts.formation, types);
  // PORT as the child would see it: the env files' value after precedence, else the inherited one.
  const basePort = resolveBasePort(opts.port, app.config.PORT ?? app.inherited.PORT);
  const { instances, release } = expandFormation({
    entries: app.procfile.entries,
    formation,
    basePort,
    env: app.config,
    cwd: app.root,
    ...(only ? { only } : {}),
  });
  return { instances, release, basePort };
}

/** The Procfile's non-release types, in file order (the order that decides ports). */
export function processTypes(app: LoadedApp): string[] {
  return app.procfile.entries.map((e) => e.name).filter((n) => n !== RELEASE_TYPE);
}

/** A path as it appears in messages: relative to the current folder when inside it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
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

function readProcfile(path: string, optional: boolean): string | undefined {
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

function readEnvFile(path: string): string {
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

function requireDirectory(path: string): void {
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

function diagnosticError(d: Diagnostic, code: 'procfile' | 'env'): DozenError {
  return new DozenError(code, d.message, {
    location: { file: d.file, line: d.line },
    ...(d.hint === undefined ? {} : { hint: d.hint }),
  });
}

/** `EACCES` -> "permission denied", without the stack or the path repeated. */
function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a folder';
  return e.code ?? String(err);
}
