// The text of a build's progress, as Heroku prints a build: `-----> ` headings for the build and
// each step, the steps' own lines indented under them, each step's time, one line at the end.
// The same lines go to the terminal and into the log store (there without the indentation). Pure.
import { seconds } from '../supervisor/messages.js';
import type { BuildRecord } from './build-records.js';

export const HEADING = '-----> ';
/** Under a heading: as wide as `-----> `. */
export const INDENT = '       ';

export interface BuildStart {
  id: string;
  commit: string;
  /** What was detected (`Node.js`), or the custom build command; empty when nothing was. */
  detected: string[];
}

export type StepEvent =
  | { type: 'start'; name: string; index: number; count: number }
  | { type: 'end'; name: string; status: 'succeeded' | 'failed'; durationMs: number; /** `exited with code 1` for a failed step. */ detail?: string };

/** The build's first headings. */
export function startLines(start: BuildStart): string[] {
  const found =
    start.detected.length > 0
      ? `${HEADING}${start.detected.join(', ')} detected`
      : `${HEADING}No build steps (no package.json, requirements.txt, pyproject.toml, Gemfile.lock or app.json build command): the commit's files are the build`;
  return [`${HEADING}Building ${start.commit.slice(0, 7)} as ${start.id}`, found];
}

/** The heading of a step as it starts, or the line under it as it ends. */
export function stepLine(event: StepEvent): string {
  if (event.type === 'start') return `${HEADING}${event.name}`;
  if (event.status === 'succeeded') return `${INDENT}done in ${seconds(event.durationMs)}`;
  return `${INDENT}failed: ${event.detail ?? 'failed'} (after ${seconds(event.durationMs)})`;
}

/** `Build b-... of 1a2b3c4 succeeded in 1.2 s`. */
export function summaryLine(record: Pick<BuildRecord, 'id' | 'commit' | 'status' | 'durationMs'>): string {
  return `Build ${record.id} of ${record.commit.slice(0, 7)} ${record.status} in ${seconds(record.durationMs)}`;
}

/** The one line a failed build is reported with: `build b-... failed: "Installing dependencies (npm ci)" exited with code 1`. */
export function failureLine(record: Pick<BuildRecord, 'id' | 'error'>): string {
  return `build ${record.id} failed: ${record.error ?? 'unknown error'}`;
}
