// The doctor's vocabulary: the twelve factors, a finding (what was seen, where, how to fix it),
// and the two inputs every check is a pure function of: what was read of the app (AppFacts,
// static) and what was seen while it ran (RunObservations, dynamic).

export const FACTORS = [
  ['I', 'Codebase'],
  ['II', 'Dependencies'],
  ['III', 'Config'],
  ['IV', 'Backing services'],
  ['V', 'Build, release, run'],
  ['VI', 'Processes'],
  ['VII', 'Port binding'],
  ['VIII', 'Concurrency'],
  ['IX', 'Disposability'],
  ['X', 'Dev/prod parity'],
  ['XI', 'Logs'],
  ['XII', 'Admin processes'],
] as const;

export type Factor = (typeof FACTORS)[number][0];
export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** The check's id (`config.secret-in-source`). */
  check: string;
  status: Status;
  /** What is wrong (or right), one line. */
  message: string;
  /** What was seen: a path, a port, a time, a line of text (secrets masked). */
  evidence: string;
  /** One line on how to fix it (absent on a pass). */
  fix?: string;
  /** Relative to the app root. */
  file?: string;
  line?: number;
}

export interface FactorReport {
  factor: Factor;
  title: string;
  /** The worst of its findings (fail > warn > pass); skip when nothing could be checked. */
  status: Status;
  findings: Finding[];
}

export interface DoctorReport {
  app: string;
  factors: FactorReport[];
}

/** A file of the app's source, as the static checks read it. */
export interface SourceFile {
  /** Relative to the app root, `/`-separated. */
  path: string;
  text: string;
}

/** Everything the static checks look at, read once (no check reads the disk itself). */
export interface AppFacts {
  root: string;
  /** The Procfile's entries (release included), with their lines; undefined: no Procfile. */
  procfile?: { path: string; entries: Array<{ name: string; command: string; line: number }> };
  /** The env files read, relative paths, with their keys and values (values never printed). */
  envFiles: Array<{ path: string; entries: Array<{ key: string; value: string; line: number }> }>;
  /** The config the processes get (env files after precedence), keys and values. */
  config: Record<string, string>;
  /** The git repository around the app, if any: the files it tracks (relative to the app root). */
  git?: { root: string; tracked: ReadonlySet<string> };
  /** The app's source and manifest files (text, size-capped; vendored and generated folders skipped). */
  files: SourceFile[];
}

/** What one process type did during the doctor's run (pids are of its instance's tree). */
export interface TypeObservation {
  type: string;
  command: string;
  /** The $PORT it was given (web), and the TCP ports its tree listened on. */
  port?: number;
  listened: number[];
  /** Ready (its port accepted) after this long; undefined: never within the boot timeout. */
  readyAfterMs?: number;
  /** Exited by itself during the run: code or signal, and after how long. */
  exitedOnItsOwn?: { code: number | null; signal: string | null; afterMs: number };
  /** Processes of its tree that left its process group or session (setsid, double fork). */
  escaped: Array<{ pid: number; command: string }>;
  /** Files its tree opened for writing (absolute paths), and PID files it wrote. */
  wroteFiles: string[];
  pidFiles: string[];
  /** Its stdout is a pipe that a Python process block-buffers (no -u, no PYTHONUNBUFFERED). */
  bufferedPython?: boolean;
  /** SIGTERM: stopped within the stop timeout (ms), or needed SIGKILL. */
  stop?: { graceful: boolean; afterMs: number };
  /** After a SIGKILL: started again and became ready (or ran) within the boot timeout. */
  recovered?: boolean;
}

export interface RunObservations {
  /** Why the app was not run (`--static`, no Procfile...): every dynamic check is then a skip. */
  skipped?: string;
  bootTimeoutMs: number;
  stopTimeoutMs: number;
  types: TypeObservation[];
  /** The release phase, if the app has one: its exit code and how long it took. */
  releasePhase?: { code: number | null; afterMs: number };
  /** Files created or changed under the app root during the run (relative; state folder, .git, bytecode caches left out). */
  changedFiles: string[];
  /** `dozen run` of a one-off command saw the same config as the processes. */
  runSameConfig?: boolean;
}

/** A check: a pure function of its input, returning its findings (none: nothing to say). */
export interface Check<Input> {
  id: string;
  factor: Factor;
  run(input: Input): Finding[];
}
