// One base error class with a stable code and exit code. Only cli/main.ts prints errors and sets
// process.exitCode; everything else throws a DozenError (or returns diagnostics as data).

/** Exit codes dozen itself uses; documented in docs/exit-codes.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** A Procfile, env file or formation that cannot be used (sysexits EX_CONFIG). */
  config: 78,
  /** No running dozen to talk to, or one already running (control commands). */
  unavailable: 69,
  /** The machine's storage failed dozen: a read-only or full file system (sysexits EX_IOERR). */
  ioError: 74,
  /** A state or cache folder dozen refuses to trust: a link, another owner, writable by others (EX_NOPERM). */
  noPermission: 77,
  /** The command exists but cannot be executed (shell convention). */
  notExecutable: 126,
  /** The command was not found (shell convention). */
  notFound: 127,
} as const;

export type ErrorCode =
  | 'usage'
  | 'procfile'
  | 'env'
  | 'formation'
  | 'config'
  | 'not-found'
  | 'not-executable'
  | 'port-in-use'
  | 'control'
  | 'export'
  /** A release that could not be made or run (its release phase failed, its build is gone). */
  | 'release'
  /** A build that could not be made: a step failed, git or tar could not export the commit. */
  | 'build'
  /** A folder or file dozen will not use: a symbolic link, owned by another user, writable by others. */
  | 'unsafe'
  /** Storage the machine cannot give: a read-only or full file system, a permission denied. */
  | 'io'
  | 'internal';

export interface Location {
  file: string;
  /** 1-based line number. */
  line?: number;
  /** 1-based column. */
  column?: number;
}

export function formatLocation(loc: Location): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}

export class DozenError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly location: Location | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { exitCode?: number; hint?: string; location?: Location; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DozenError';
    this.code = code;
    this.exitCode = opts.exitCode ?? defaultExitCode(code);
    this.hint = opts.hint;
    this.location = opts.location;
  }

  /** The one line printed on stderr: `file:line: message (hint)`. */
  oneLine(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    const hint = this.hint ? ` ${this.hint}` : '';
    return `${where}${this.message}${hint}`.replace(/\r?\n/g, ' ');
  }
}

function defaultExitCode(code: ErrorCode): number {
  switch (code) {
    case 'usage':
      return ExitCode.usage;
    case 'procfile':
    case 'env':
    case 'formation':
    case 'config':
    case 'export':
      return ExitCode.config;
    case 'not-found':
      return ExitCode.notFound;
    case 'not-executable':
      return ExitCode.notExecutable;
    case 'control':
      return ExitCode.unavailable;
    case 'unsafe':
      return ExitCode.noPermission;
    case 'io':
      return ExitCode.ioError;
    case 'port-in-use':
    case 'release':
    case 'build':
    case 'internal':
      return ExitCode.failure;
    default:
      return unreachable(code);
  }
}

/** Exhaustiveness guard for switches over discriminated unions. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

/** A problem found in an input file, returned as data by the parsers. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  message: string;
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.message}${d.hint ? ` ${d.hint}` : ''}`;
}

/** errno and SQLite codes that are the machine's problem (its disk, its permissions), not a bug. */
const STORAGE_CODES: ReadonlyArray<[RegExp, string]> = [
  [/^EROFS$|^SQLITE_READONLY/, 'the file system is read-only'],
  [/^ENOSPC$|^SQLITE_FULL/, 'no space left on the device'],
  [/^EDQUOT$/, 'the disk quota is used up'],
  [/^EACCES$|^EPERM$/, 'permission denied'],
  [/^SQLITE_CANTOPEN/, 'the file cannot be opened'],
  [/^EIO$|^SQLITE_IOERR/, 'an input/output error'],
];

/**
 * The one-line error for a storage failure (`EROFS`, `ENOSPC`, `SQLITE_FULL`...) that reached the
 * CLI, or undefined when `err` is not one: such a failure is the machine's, not an internal error.
 */
export function storageError(err: unknown): DozenError | undefined {
  if (err instanceof DozenError || typeof err !== 'object' || err === null) return undefined;
  const { code, address } = err as { code?: unknown; address?: unknown };
  const path = (err as { path?: unknown }).path ?? address; // a socket's listen() names its address
  if (typeof code !== 'string') return undefined;
  const known = STORAGE_CODES.find(([pattern]) => pattern.test(code));
  if (!known) return undefined;
  const where = typeof path === 'string' ? `${path}: ` : '';
  return new DozenError('io', `${where}${known[1]} (${code}).`, {
    hint: 'Free some space or fix the permissions, or point DOZEN_STATE_DIR at a writable folder of yours.',
    cause: err,
  });
}
