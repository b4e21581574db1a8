// Runs one build step in the build folder: its own process group, registered with the no-orphan
// watchdog (a SIGKILLed `dozen build` takes its step down with it), output read as lines. When
// the step's first process exits, whatever it left running in its group is killed: nothing of a
// build keeps running after it. How it ended is data (an ExitOutcome), never an exception.
import { spawn } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { LineSplitter } from '../platform/line-splitter.js';
import { execCommand } from '../platform/exec-command.js';
import { signalGroup } from '../platform/signals.js';
import type { ExitOutcome, StreamName } from '../platform/spawner.js';
import type { Watchdog } from '../platform/watchdog.js';
import type { BuildStep } from './buildpacks.js';

export interface StepOptions {
  /** The build folder: the step's working directory. */
  cwd: string;
  /** The step's whole environment. */
  env: NodeJS.ProcessEnv;
  watchdog: Watchdog;
  /** Each line (without its newline). */
  onLine: (line: string, stream: StreamName) => void;
  /** Each read of complete lines, as bytes (each line ends in `\n`). */
  onChunk?: (data: Buffer, stream: StreamName) => void;
  /** Aborting stops the step: SIGTERM to its group, SIGKILL after `stopTimeoutMs`. */
  signal?: AbortSignal;
  stopTimeoutMs?: number;
}

const STOP_TIMEOUT_MS = 5000;

export function runStep(step: BuildStep, opts: StepOptions): Promise<ExitOutcome> {
  const [file, args] = typeof step.command === 'string' ? ['/bin/sh', ['-c', execCommand(step.command)]] : [step.command[0] ?? '', step.command.slice(1)];
  // A relative program path (`.venv/bin/pip`) is the build's own.
  const program = file.includes('/') && !isAbsolute(file) ? join(opts.cwd, file) : file;
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pgid = child.pid;
    if (pgid !== undefined) opts.watchdog.register(pgid);
    let outcome: ExitOutcome | undefined;
    let openPipes = 2;
    let killTimer: NodeJS.Timeout | undefined;

    const settle = () => {
      if (outcome === undefined || openPipes > 0) return;
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', stop);
      if (pgid !== undefined) opts.watchdog.unregister(pgid);
      resolve(outcome);
    };
    const stop = () => {
      if (pgid === undefined || outcome !== undefined) return;
      signalGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), opts.stopTimeoutMs ?? STOP_TIMEOUT_MS);
    };
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });

    const read = (stream: NodeJS.ReadableStream, name: StreamName) => {
      const lines = new LineSplitter({
        onChunk: (data) => {
          opts.onChunk?.(data, name);
          const text = data.toString('utf8');
          for (const line of text.slice(0, -1).split('\n')) opts.onLine(line, name);
        },
      });
      stream.on('data', (buf: Buffer) => lines.push(buf));
      stream.once('close', () => {
        lines.end();
        openPipes -= 1;
        settle();
      });
    };
    read(child.stdout, 'stdout');
    read(child.stderr, 'stderr');

    child.once('error', (err) => {
      const errno = (err as NodeJS.ErrnoException).code;
      const message = errno === 'ENOENT' ? `${file}: not found (is it installed, and on PATH?)` : err.message;
      outcome ??= { reason: 'spawn-error', message, errno };
      settle();
    });
    child.once('exit', (code, signal) => {
      outcome ??= signal !== null ? { reason: 'signal', signal } : { reason: 'exit-code', code: code ?? 0 };
      // What the step started and left behind goes with it (and stops holding its pipes open).
      if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
      settle();
    });
  });
}
