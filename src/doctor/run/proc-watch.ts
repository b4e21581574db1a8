// What the doctor's processes do, read from /proc: every process whose environment carries the
// run's marker (DOZEN_DOCTOR_RUN=<token>/<instance>), wherever it moved (a new session, a new
// group, re-parented to PID 1), with its process group, command line, the files it holds open
// for writing, its sockets and, for Python, whether its stdout is block-buffered.
//
// A sample reads /proc/<pid>/environ once per new pid (other users' processes fail with EACCES
// and are not looked at again); only marked processes are read further. Synchronous: a sample
// of a few marked processes costs well under a millisecond, and one taken inside an event
// listener sees the processes as they were at that event (a leader's exit, before the reaper's
// signal).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { isLiveState } from '../../platform/proc.js';

export const MARKER_VAR = 'DOZEN_DOCTOR_RUN';

export interface MarkedProcess {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** The instance name after the marker's token (`web.1`, `release`, `run`). */
  instance: string;
  /** argv joined by spaces, capped. */
  command: string;
}

/** What one instance's processes did over every sample so far. */
export interface TreeActivity {
  /** Every pid seen carrying the instance's marker, with its command and group. */
  processes: Map<number, { command: string; pgid: number; sid: number }>;
  /** Regular files held open for writing (absolute paths). */
  writes: Set<string>;
  /** Inodes of the sockets its processes held. */
  sockets: Set<string>;
  /** Python processes seen writing to a pipe or socket: pid -> stdout block-buffered (no -u, no PYTHONUNBUFFERED). */
  python: Map<number, boolean>;
}

/** The first byte of a pid entry in /proc is a digit. */
function isPidName(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** The process's state fields from /proc/<pid>/stat (the name in parentheses may hold anything). */
export function parseStatFields(text: string): { state: string; ppid: number; pgid: number; sid: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields = text.slice(close + 2).split(' ', 5);
  const [state, ppid, pgid, sid] = [fields[0], Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if (!state || !Number.isInteger(ppid) || !Number.isInteger(pgid) || !Number.isInteger(sid)) return undefined;
  return { state, ppid, pgid, sid };
}

/** The marker's instance in an environ block (`KEY=value\0...`), if it carries this token. */
export function markerIn(environ: string, token: string): string | undefined {
  const prefix = `${MARKER_VAR}=${token}/`;
  for (const entry of environ.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

/** An environ block as a map (a value may hold `=`, never NUL). */
export function parseEnviron(environ: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of environ.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

const PYTHON_EXE = /^python(\d+(\.\d+)*)?$/;

/**
 * Whether a Python command line asks for unbuffered output: `-u` among the interpreter's
 * options (alone or in a cluster such as `-Bu`), before the script, `-m` or `-c`.
 */
export function pythonArgsUnbuffered(argv: string[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--' || !arg.startsWith('-') || arg === '-') return false;
    if (arg.startsWith('--')) continue;
    const flags = arg.slice(1);
    for (let j = 0; j < flags.length; j++) {
      const f = flags[j];
      if (f === 'u') return true;
      // These take the rest of the cluster, or the next word, as their argument; -c and -m end the options.
      if (f === 'c' || f === 'm') return false;
      if (f === 'W' || f === 'X') {
        if (j === flags.length - 1) i++;
        break;
      }
    }
  }
  return false;
}

/** Python's stdout is unbuffered when PYTHONUNBUFFERED is set to a non-empty string or `-u` is given. */
export function pythonBuffered(argv: string[], env: Map<string, string>): boolean {
  const unbufferedEnv = (env.get('PYTHONUNBUFFERED') ?? '') !== '';
  return !unbufferedEnv && !pythonArgsUnbuffered(argv);
}

/** O_WRONLY or O_RDWR in an fdinfo `flags:` field (octal). */
export function openedForWriting(fdinfo: string): boolean {
  const match = /^flags:\s*([0-7]+)/m.exec(fdinfo);
  return match !== null && (Number.parseInt(match[1] ?? '0', 8) & 3) !== 0;
}

const COMMAND_MAX = 200;

export class ProcWatch {
  /** pids known to carry no marker of ours (or unreadable): not read again while they live. */
  private readonly unmarked = new Map<number, { ppid: number }>();
  private readonly marked = new Map<number, string>();
  private readonly activity = new Map<string, TreeActivity>();

  /**
   * `token`: the run's marker token. `ownPid`: the doctor's pid; its children are read again
   * until they carry a marker (a child sampled between fork and exec still has our environment).
   */
  constructor(
    private readonly token: string,
    private readonly ownPid = process.pid,
    private readonly procRoot = '/proc',
  ) {}

  /** The activity of an instance so far (empty if nothing of it was seen). */
  of(instance: string): TreeActivity {
    let a = this.activity.get(instance);
    if (a === undefined) {
      a = { processes: new Map(), writes: new Set(), sockets: new Set(), python: new Map() };
      this.activity.set(instance, a);
    }
    return a;
  }

  /** One pass over /proc: the live marked processes now, their activity added up. */
  sample(): MarkedProcess[] {
    const live: MarkedProcess[] = [];
    const listed = new Set<number>();
    for (const name of readdirSync(this.procRoot)) {
      if (!isPidName(name)) continue;
      const pid = Number(name);
      listed.add(pid);
      const known = this.unmarked.get(pid);
      if (known !== undefined && known.ppid !== this.ownPid) continue;
      const proc = this.readMarked(pid);
      if (proc === undefined) continue;
      live.push(proc);
      this.observe(proc);
    }
    for (const pid of this.unmarked.keys()) if (!listed.has(pid)) this.unmarked.delete(pid);
    for (const pid of this.marked.keys()) if (!listed.has(pid)) this.marked.delete(pid);
    return live;
  }

  private readMarked(pid: number): MarkedProcess | undefined {
    const dir = `${this.procRoot}/${pid}`;
    const statText = readOrUndefined(`${dir}/stat`);
    const stat = statText === undefined ? undefined : parseStatFields(statText);
    if (stat === undefined || !isLiveState(stat.state)) return undefined;
    let instance = this.marked.get(pid);
    if (instance === undefined) {
      const environ = readOrUndefined(`${dir}/environ`);
      instance = environ === undefined ? undefined : markerIn(environ, this.token);
      if (instance === undefined) {
        this.unmarked.set(pid, { ppid: stat.ppid });
        return undefined;
      }
      this.unmarked.delete(pid);
      this.marked.set(pid, instance);
    }
    const command = readArgv(dir).join(' ').slice(0, COMMAND_MAX);
    return { pid, ppid: stat.ppid, pgid: stat.pgid, sid: stat.sid, instance, command };
  }

  private observe(proc: MarkedProcess): void {
    const a = this.of(proc.instance);
    a.processes.set(proc.pid, { command: proc.command, pgid: proc.pgid, sid: proc.sid });
    const dir = `${this.procRoot}/${proc.pid}`;
    // A pipe, or the socket Node's child_process gives (both block-buffered by Python); not a terminal or /dev/null.
    let stdoutCaptured = false;
    for (const fd of readdirOrEmpty(`${dir}/fd`)) {
      const target = readlinkOrUndefined(`${dir}/fd/${fd}`);
      if (target === undefined) continue;
      if (fd === '1') stdoutCaptured = target.startsWith('pipe:') || target.startsWith('socket:');
      if (target.startsWith('socket:[')) {
        a.sockets.add(target.slice(8, -1));
      } else if (target.startsWith('/') && !target.startsWith('/dev/') && !target.startsWith('/proc/') && !a.writes.has(target)) {
        const info = readOrUndefined(`${dir}/fdinfo/${fd}`);
        if (info !== undefined && openedForWriting(info)) a.writes.add(target.replace(/ \(deleted\)$/, ''));
      }
    }
    if (!a.python.has(proc.pid) && stdoutCaptured) {
      const exe = readlinkOrUndefined(`${dir}/exe`);
      if (exe !== undefined && PYTHON_EXE.test(basename(exe))) {
        const environ = readOrUndefined(`${dir}/environ`) ?? '';
        a.python.set(proc.pid, pythonBuffered(readArgv(dir), parseEnviron(environ)));
      }
    }
  }
}

/** Every live process on the machine carrying the token's marker (a full scan, nothing cached). */
export function markedProcesses(token: string, procRoot = '/proc'): MarkedProcess[] {
  return new ProcWatch(token, -1, procRoot).sample();
}

/** A process's environment, or undefined if it is gone or not ours. */
export function readEnviron(pid: number, procRoot = '/proc'): Map<string, string> | undefined {
  const text = readOrUndefined(`${procRoot}/${pid}/environ`);
  return text === undefined ? undefined : parseEnviron(text);
}

/** argv from /proc/<pid>/cmdline (NUL-terminated words). */
function readArgv(dir: string): string[] {
  const raw = readOrUndefined(`${dir}/cmdline`) ?? '';
  return raw === '' ? [] : raw.replace(/\0$/, '').split('\0');
}

/** A /proc file; undefined when the process is gone or not ours to read. */
function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    if (isGoneOrDenied(err)) return undefined;
    throw err;
  }
}

function readlinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch (err) {
    if (isGoneOrDenied(err)) return undefined;
    throw err;
  }
}

function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (err) {
    if (isGoneOrDenied(err)) return [];
    throw err;
  }
}

/** Exited while we looked (ENOENT, ESRCH), or another user's (EACCES, EPERM). */
function isGoneOrDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM' || code === 'EINVAL';
}
