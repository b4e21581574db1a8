// One line as the log store keeps it: what `dozen logs`, the formats and the drains work with.

/**
 * `app`: a line a child wrote; `dozen`: a line dozen itself said (lifecycle, warnings); `build`:
 * a line of a build (`dozen build`): its steps' output and its progress headings.
 */
export type LogSource = 'app' | 'dozen' | 'build';

export const LOG_SOURCES: readonly LogSource[] = ['app', 'dozen', 'build'];

export interface StoredLine {
  /** Row id: strictly increasing in arrival order (the `--tail` cursor). */
  id: number;
  /** When dozen read the line, in microseconds since the epoch. */
  tsUs: number;
  /** `web.1`; for dozen's lines the instance they are about, or `dozen`; for a build's, its id. */
  instance: string;
  /** `web`; `dozen` for dozen's lines that are about no instance. */
  type: string;
  source: LogSource;
  /** `stdout` | `stderr` for app lines; the level `info` | `warn` | `error` for dozen's lines. */
  stream: string;
  /** The line without its newline (and without terminal colour codes). */
  text: string;
}

/** One row of the chunks table: one read of one instance's output, `lines` lines from `id` on. */
export interface ChunkRow {
  id: number;
  lines: number;
  ts: number;
  instance: string;
  type: string;
  source: LogSource;
  stream: string;
  /** TEXT or, as most chunks are stored, a BLOB of UTF-8. */
  text: string | Buffer;
}

/** The type of an instance name: `web.2` -> `web`, `release` -> `release`. */
export function typeOfInstance(instance: string): string {
  const m = /^(.*)\.\d+$/.exec(instance);
  return m ? (m[1] as string) : instance;
}
