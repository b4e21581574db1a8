// The real Spawner: `sh -c` in its own process group (platform/spawn-group.ts), `exec` before a
// single simple command so that the app itself is the process watched (platform/exec-command.ts).
// Each pipe is read as raw Buffers (no decoding) through a LineSplitter: whole lines per read.
//
// Ordering: a child's `exit` can arrive before the last bytes of its pipes are read. We report
// the exit once both pipes closed, or EXIT_GRACE_MS after the exit when a background process
// still holds them open; then any pending partial line is flushed first, so "web.1 exited"
// follows the last line web.1 wrote.
import { LineSplitter } from './line-splitter.js';
import { execCommand } from './exec-command.js';
import { spawnGroup, type GroupChild } from './spawn-group.js';
import type { ExitOutcome, SpawnedChild, SpawnRequest, Spawner, StreamName } from './spawner.js';

const EXIT_GRACE_MS = 200;

export interface GroupSpawnerOptions {
  /** Flush a partial line after this long without bytes (default: the splitter's 100 ms). */
  idleMs?: number;
  maxLineBytes?: number;
}

export function groupSpawner(opts: GroupSpawnerOptions = {}): Spawner {
  return (req) => spawnOne(req, opts);
}

function spawnOne(req: SpawnRequest, opts: GroupSpawnerOptions): SpawnedChild {
  const { spec } = req;
  let child: GroupChild;
  try {
    const command = req.cgroup === undefined ? execCommand(spec.command) : enterCgroup(req.cgroup, execCommand(spec.command));
    child = spawnGroup({ command, cwd: spec.cwd, env: req.env });
  } catch (e) {
    // Node throws, rather than emitting 'error', for some failures (E2BIG: an environment
    // larger than the system takes): the same failure as data, reported as an 'error' one is.
    return failedSpawn(req, e as NodeJS.ErrnoException);
  }
  const splitter = (stream: StreamName) =>
    new LineSplitter({
      ...(opts.idleMs === undefined ? {} : { idleMs: opts.idleMs }),
      ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }),
      onChunk: (data, partial) => {
        if (!released) req.onOutput(stream, data, partial);
      },
    });
  const out = splitter('stdout');
  const err = splitter('stderr');

  let openPipes = 2;
  let exit: ExitOutcome | undefined;
  let reported = false;
  let released = false;
  let grace: NodeJS.Timeout | undefined;
  const report = () => {
    if (reported || exit === undefined) return;
    reported = true;
    if (grace) clearTimeout(grace);
    out.flushPartial();
    err.flushPartial();
    req.onExit(exit);
  };

  const wire = (stream: NodeJS.ReadableStream, lines: LineSplitter) => {
    stream.on('data', (buf: Buffer) => lines.push(buf));
    stream.once('close', () => {
      lines.end();
      openPipes -= 1;
      if (openPipes > 0 || released) return;
      report();
      req.onOutputClosed();
    });
    // A read error ends the stream like EOF; the exit still comes from the child.
    stream.on('error', () => undefined);
  };
  wire(child.stdout, out);
  wire(child.stderr, err);

  child.once('exit', (code, signal) => {
    exit = signal ? { reason: 'signal', signal } : { reason: 'exit-code', code: code ?? 0 };
    if (openPipes === 0) report();
    else grace = setTimeout(report, EXIT_GRACE_MS);
  });
  child.once('error', (e: NodeJS.ErrnoException) => {
    // Only a failed spawn reports here with no pid; later errors (a failed kill) are not exits.
    if (child.pid !== undefined) return;
    exit = spawnError(e);
    report();
  });

  return {
    pid: child.pid,
    // The splitters pause too: while we are not reading, a pending partial line is not idle, and
    // flushing it after 100 ms would cut a line the child is still writing.
    pause: () => {
      child.stdout.pause();
      child.stderr.pause();
      out.pause();
      err.pause();
    },
    resume: () => {
      out.resume();
      err.resume();
      child.stdout.resume();
      child.stderr.resume();
    },
    release: () => {
      released = true;
      if (grace) clearTimeout(grace);
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };
}

/** A child that never started: it exits with a `spawn-error` and has no output, on the next tick. */
function failedSpawn(req: SpawnRequest, e: NodeJS.ErrnoException): SpawnedChild {
  process.nextTick(() => {
    req.onExit(spawnError(e));
    req.onOutputClosed();
  });
  return { pid: undefined, pause: () => undefined, resume: () => undefined, release: () => undefined };
}

function spawnError(e: NodeJS.ErrnoException): ExitOutcome {
  return { reason: 'spawn-error', message: e.message, ...(e.code === undefined ? {} : { errno: e.code }) };
}

/**
 * `command`, run by a shell that first writes its own pid into the leaf's cgroup.procs: nothing
 * it starts can be born outside the cgroup (dozen writing the pid after spawn returns would leave
 * the shell a moment to fork). `echo` is a builtin: no extra process; a refused write is silent,
 * and dozen, which writes the pid too, then falls back to the cookie.
 */
export function enterCgroup(leaf: string, command: string): string {
  const file = `'${`${leaf}/cgroup.procs`.replaceAll("'", `'\\''`)}'`;
  return `{ echo $$ >${file}; } 2>/dev/null\n${command}`;
}
