// End-to-end helpers: run the BUILT CLI (`node dist/src/cli/main.js`) in temp folders, with a
// clean environment, bounded waits, and every process started here killed when done.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { after, afterEach } from 'node:test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/test/cli/helpers.js). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built CLI entry point. */
export const cliPath = join(repoRoot, 'dist/src/cli/main.js');
/** Default bound on any one CLI run or wait. */
export const DEFAULT_TIMEOUT_MS = 20_000;

export interface CliResult {
  /** Exit code; null when the CLI itself died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to (or, with undefined values, removed from) the clean environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Default: stdin closed at once. */
  input?: string;
  timeoutMs?: number;
}

/**
 * The environment tests run the CLI with: only what a program needs to work (PATH, HOME, locale),
 * so no DOZEN_* or PORT from the developer's shell leaks into a test.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries({ ...cliEnvDefaults, ...extra })) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Variables every CLI run of a test file gets, set by the file (`DOZEN_CGROUP=off`). */
export const cliEnvDefaults: Record<string, string> = {};

/** Everything started by these helpers and not yet reaped: killed by killAllStarted(). */
const started = new Set<ChildProcess>();

/**
 * Kills (SIGKILL, whole process group) everything these helpers started that is still running.
 * Call it from `after()`/`afterEach()`; the helpers also clean up after themselves on timeout.
 */
export function killAllStarted(): void {
  for (const child of started) killGroup(child, 'SIGKILL');
  started.clear();
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Each child leads its own process group (detached), so this reaches its descendants too.
    process.kill(-child.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A program running under the helpers, with its output captured as it arrives. */
export interface Running {
  child: ChildProcess;
  pid: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr (as captured so far) match; rejects with the output after the bound. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Writes to stdin. */
  write(text: string): void;
  /** Sends a signal to the program only (not its process group). */
  signal(signal: NodeJS.Signals): void;
  /** Sends a signal to its whole process group, as a terminal would. */
  signalGroup(signal: NodeJS.Signals): void;
  /** Resolves when it exits; on timeout kills the group and rejects with the output so far. */
  exited(timeoutMs?: number): Promise<CliResult>;
}

/** Starts any program in its own process group, stdin/stdout/stderr piped. */
export function startProgram(file: string, args: string[], opts: Omit<CliOptions, 'input'> = {}): Running {
  const child = spawn(file, args, {
    cwd: opts.cwd ?? repoRoot,
    env: cleanEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  started.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of listeners) l();
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    changed();
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    changed();
  });
  // A program that exits without reading stdin closes the pipe; writes then fail with EPIPE.
  child.stdin?.on('error', () => undefined);

  const exit = new Promise<CliResult>((resolveExit, rejectExit) => {
    child.once('error', rejectExit);
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      started.delete(child);
      resolveExit({ code, signal, stdout: out, stderr: err });
    });
  });
  exit.catch(() => undefined); // a spawn failure is reported by exited(), if anyone asks
  const describe = (): string => `\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, waitMs = timeoutMs) {
      return new Promise((resolveWait, rejectWait) => {
        const check = (): void => {
          const m = (out + err).match(pattern);
          if (m) finish(() => resolveWait(m));
        };
        const timer = setTimeout(() => finish(() => rejectWait(new Error(`timed out after ${waitMs} ms waiting for ${pattern}${describe()}`))), waitMs);
        const onExit = (): void => {
          const m = (out + err).match(pattern);
          finish(() => (m ? resolveWait(m) : rejectWait(new Error(`exited before printing ${pattern}${describe()}`))));
        };
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('close', onExit);
          settle();
        };
        listeners.add(check);
        child.once('close', onExit);
        check();
      });
    },
    write(text) {
      child.stdin?.write(text);
    },
    signal(signal) {
      if (child.pid !== undefined) process.kill(child.pid, signal);
    },
    signalGroup(signal) {
      killGroup(child, signal);
    },
    exited(waitMs = timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, rejectTimeout) => {
        timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
          rejectTimeout(new Error(`${file} ${args.join(' ')}: still running after ${waitMs} ms; killed${describe()}`));
        }, waitMs);
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** Starts the built CLI (for long-running commands such as `start`). */
export function startCli(args: string[], opts: Omit<CliOptions, 'input'> = {}): Running {
  return startProgram(process.execPath, [cliPath, ...args], opts);
}

/** Runs the built CLI to completion: exit code, stdout and stderr. Bounded by timeoutMs. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const running = startCli(args, opts);
  if (opts.input !== undefined) running.write(opts.input);
  running.child.stdin?.end();
  return running.exited(opts.timeoutMs);
}

/**
 * Runs a shell command line under a pseudo-terminal with util-linux `script`, so the programs in
 * it see a TTY on stdin/stdout. Returns the started `script` (write to it to type keys; the pty
 * echoes them). The command's exit code is script's (`-e`).
 */
export function startInPty(commandLine: string, opts: Omit<CliOptions, 'input'> = {}): Running {
  return startProgram('script', ['-qec', commandLine, '/dev/null'], opts);
}

/**
 * Runs the built CLI under a pseudo-terminal. `exec` replaces the shell `script` starts, which
 * matters for Ctrl-C: dash, sitting between, would exit 130 on SIGINT even after its child
 * handled it and exited with its own status.
 */
export function startCliInPty(args: string[], opts: Omit<CliOptions, 'input'> = {}): Running {
  return startInPty(`exec ${cliCommandLine(args)}`, opts);
}

/** Whether a program is on PATH (to skip, saying so, tests that need e.g. `script`). */
export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shellWord(name)}`], { stdio: 'ignore' }).status === 0;
}

/** The CLI's own invocation as a shell word list, for command lines (pty tests). */
export function cliCommandLine(args: string[]): string {
  return [process.execPath, cliPath, ...args].map(shellWord).join(' ');
}

/** POSIX single-quoting, for building command lines in tests. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface TempApp {
  /** Absolute path of the temp folder. */
  dir: string;
  /** Absolute path of a file in it. */
  path(name: string): string;
  /** Writes (creating folders) a file in it. */
  write(name: string, text: string): Promise<void>;
  /** Removes the folder. */
  cleanup(): Promise<void>;
}

/** A fresh temp folder holding `files` (name -> exact contents). */
export async function tempApp(files: Record<string, string> = {}): Promise<TempApp> {
  const dir = await mkdtemp(join(tmpdir(), 'dozen-test-'));
  const app: TempApp = {
    dir,
    path: (name) => join(dir, name),
    async write(name, text) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  for (const [name, text] of Object.entries(files)) await app.write(name, text);
  return app;
}

/** Whether a pid is still alive (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // alive, but not ours to signal
    throw err;
  }
}

/**
 * For a test file: after each test, what the helpers started and every pid put in `seen` (a
 * test's daemons) is SIGKILLed if still alive, whatever it asserted; `apps` are removed at the end.
 */
export function cleanUpAfterEachTest(): { apps: TempApp[]; seen: Set<number> } {
  const apps: TempApp[] = [];
  const seen = new Set<number>();
  afterEach(() => {
    killAllStarted();
    for (const pid of seen) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    seen.clear();
  });
  after(async () => {
    for (const app of apps) await app.cleanup();
  });
  return { apps, seen };
}
