// Runs one child in the foreground, the way a shell does: same process group, stdio and TTY
// inherited, so the terminal's Ctrl-C, Ctrl-\ and window-size changes reach it directly.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface ForegroundCommand {
  /** The program (looked up on the child's PATH) and its arguments, run without a shell. */
  file: string;
  args: string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  cwd: string;
}

/** How the child ended: a failure is data, not an exception. */
export type ForegroundResult =
  | { type: 'exit-code'; code: number }
  | { type: 'signal'; signal: NodeJS.Signals; code: number }
  | { type: 'spawn-error'; reason: 'not-found' | 'not-executable' | 'other'; message: string };

/**
 * Signals the terminal sends to the whole foreground process group: the child gets them itself,
 * so dozen only has to survive them (forwarding would deliver them twice).
 */
const FROM_TERMINAL: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
/** Signals usually sent to dozen alone (`kill PID`, a supervisor): passed on to the child. */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/** Shell convention for a death by signal: 128 + the signal's number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export function spawnForeground(cmd: ForegroundCommand): Promise<ForegroundResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: 'inherit' });

    const ignore = (): void => {};
    const forward = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(child.pid, signal);
      } catch (err) {
        // The child may have exited between its last event and this signal.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    };
    for (const s of FROM_TERMINAL) process.on(s, ignore);
    for (const s of FORWARDED) process.on(s, forward);
    const done = (result: ForegroundResult): void => {
      for (const s of FROM_TERMINAL) process.off(s, ignore);
      for (const s of FORWARDED) process.off(s, forward);
      resolve(result);
    };

    child.once('error', (err: NodeJS.ErrnoException) => {
      // Only spawn failures arrive here with stdio inherited; the child never ran.
      done({ type: 'spawn-error', reason: spawnFailureReason(err.code), message: err.message });
    });
    child.once('exit', (code, signal) => {
      if (signal !== null) done({ type: 'signal', signal, code: signalExitCode(signal) });
      else done({ type: 'exit-code', code: code ?? 0 });
    });
  });
}

function spawnFailureReason(code: string | undefined): 'not-found' | 'not-executable' | 'other' {
  if (code === 'ENOENT') return 'not-found';
  if (code === 'EACCES' || code === 'ENOEXEC' || code === 'EISDIR' || code === 'EPERM') return 'not-executable';
  return 'other';
}
