// The build stage (factor V): a commit of the app's repository in, an immutable build out. The
// commit's files are exported into the build's own folder under the state folder, the detected
// (or the app's own) build steps run there one after another, and the folder is made read-only.
// A failed build keeps nothing but its record (and its lines in the log store); a killed one
// leaves a half-made folder that is never listed and that the next build removes.
import { performance } from 'node:perf_hooks';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DozenError } from '../errors.js';
import { StoreAppender } from '../logs/store/store-appender.js';
import type { StreamName } from '../platform/spawner.js';
import { startWatchdog } from '../platform/watchdog.js';
import { describeOutcome, isSuccess } from '../supervisor/outcome.js';
import { buildsDir, claimBuild, finishBuild, makeReadOnly, removeUnfinishedBuilds, type BuildRecord, type BuildStepRecord } from './build-records.js';
import { startLines, stepLine, summaryLine, type BuildStart, type StepEvent } from './build-report.js';
import { planBuild, type BuildStep, type TreeFiles } from './buildpacks.js';
import { exportCommit, hasUncommittedChanges, openGitSource, resolveCommit, withoutGitVariables } from './git-source.js';
import { runStep } from './run-step.js';

export { listBuilds, pruneBuilds, readBuild, removeUnfinishedBuilds, type BuildRecord } from './build-records.js';

export interface RunBuildOptions {
  /** The app root: a working tree (or a folder in one) or a bare repository. */
  root: string;
  /** The app's state folder (ensureStateDir(root)): builds go in its `builds/`. */
  stateDir: string;
  /** Branch, tag or commit to build (default HEAD). */
  ref?: string;
  /** The environment git and the steps start from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The build has an id and knows its steps. */
  onStart?: (start: BuildStart) => void;
  /** A step starts or ends. */
  onStep?: (event: StepEvent) => void;
  /** Each line a step writes (without its newline). */
  onLine?: (line: string, stream: StreamName, step: string) => void;
  /** A one-line notice: the working tree has changes the build leaves out, lines not stored. */
  onWarning?: (text: string) => void;
  /** Aborting stops the running step (its process group gets SIGTERM); the build then fails. */
  signal?: AbortSignal;
  /** Keep the build's lines in the log store under the source `build` (default true). */
  storeLogs?: boolean;
}

/** One build being made: where, since when, and where its lines go. */
interface Making {
  id: string;
  dir: string;
  commit: string;
  startedAt: Date;
  t0: number;
  /** Stores one of the build's own lines (a heading, a step's end, the summary). */
  say(stream: 'info' | 'error', text: string): void;
  log: StoreAppender | undefined;
}

/**
 * Makes a build. Resolves with its record, succeeded or failed (a step that failed, a commit that
 * could not be exported, an app.json that cannot be read); rejects with a DozenError when there is
 * no commit to build (not a repository, an unknown ref, no git), before anything is made.
 */
export async function runBuild(opts: RunBuildOptions): Promise<BuildRecord> {
  const env = opts.env ?? process.env;
  const source = await openGitSource(opts.root, env);
  const { commit, short } = await resolveCommit(source, opts.ref, env);
  if (await hasUncommittedChanges(source, opts.stateDir, env)) {
    opts.onWarning?.(`the working tree has uncommitted changes; building ${short} without them`);
  }
  removeUnfinishedBuilds(opts.stateDir);

  const startedAt = new Date();
  const { id, dir } = claimBuild(opts.stateDir, commit, startedAt);
  const log = opts.storeLogs === false ? undefined : new StoreAppender(opts.stateDir, { onError: (text) => opts.onWarning?.(`the build's lines are not stored: ${text}`) });
  const making: Making = { id, dir, commit, startedAt, t0: performance.now(), log, say: (stream, text) => log?.appendText(Date.now() * 1000, id, 'build', stream, text) };
  let record: BuildRecord;
  try {
    await exportCommit(source, commit, dir, env);
    const plan = planBuild(treeFiles(dir));
    const start = { id, commit, detected: plan.detected };
    for (const line of startLines(start)) making.say('info', line);
    opts.onStart?.(start);
    const { steps, error } = await runSteps(making, plan.steps, opts);
    if (error === undefined) {
      makeReadOnly(dir);
      const paths = plan.paths.map((p) => join(dir, p)).filter((p) => lstatSync(p, { throwIfNoEntry: false })?.isDirectory());
      record = { ...recordOf(making, 'succeeded', steps), path: dir, paths };
    } else {
      record = { ...recordOf(making, 'failed', steps), error };
    }
  } catch (err) {
    // A DozenError is the build's failure (export, app.json); anything else is dozen's, and rethrown.
    record = { ...recordOf(making, 'failed', []), error: err instanceof DozenError ? err.oneLine() : String((err as Error).message ?? err) };
    if (!(err instanceof DozenError)) {
      finishBuild(opts.stateDir, record);
      log?.close();
      throw err;
    }
  }
  finishBuild(opts.stateDir, record);
  making.say(record.status === 'succeeded' ? 'info' : 'error', summaryLine(record));
  log?.close();
  return record;
}

function recordOf(making: Making, status: BuildRecord['status'], steps: BuildStepRecord[]): BuildRecord {
  return {
    id: making.id,
    commit: making.commit,
    status,
    durationMs: Math.round(performance.now() - making.t0),
    path: '',
    createdAt: making.startedAt.toISOString(),
    steps,
    paths: [],
  };
}

/** Runs the steps in order until one fails; `error` names the one that did. */
async function runSteps(making: Making, plan: BuildStep[], opts: RunBuildOptions): Promise<{ steps: BuildStepRecord[]; error?: string }> {
  const env = buildEnv(opts.env ?? process.env, making.commit, buildsDir(opts.stateDir));
  const steps: BuildStepRecord[] = [];
  if (plan.length === 0) return { steps };
  const watchdog = startWatchdog();
  try {
    for (const [index, step] of plan.entries()) {
      const begin: StepEvent = { type: 'start', name: step.name, index, count: plan.length };
      making.say('info', stepLine(begin));
      opts.onStep?.(begin);
      const s0 = performance.now();
      const outcome = await runStep(step, {
        cwd: making.dir,
        env: { ...env, ...step.env },
        watchdog,
        signal: opts.signal,
        onLine: (line, stream) => opts.onLine?.(line, stream, step.name),
        onChunk: (data, stream) => making.log?.append(Date.now() * 1000, making.id, 'build', stream, data),
      });
      const durationMs = Math.round(performance.now() - s0);
      const ok = isSuccess(outcome) && opts.signal?.aborted !== true;
      const detail = opts.signal?.aborted ? 'was interrupted' : describeOutcome(outcome);
      const end: StepEvent = ok ? { type: 'end', name: step.name, status: 'succeeded', durationMs } : { type: 'end', name: step.name, status: 'failed', durationMs, detail };
      making.say(ok ? 'info' : 'error', stepLine(end).trimStart());
      opts.onStep?.(end);
      steps.push({ name: step.name, durationMs, status: end.status });
      if (!ok) return { steps, error: `"${step.name}" ${detail}` };
    }
    return { steps };
  } finally {
    watchdog.close();
  }
}

/** The build's PATH for its processes: its `paths` first, then `inherited`. */
export function pathWithBuild(record: Pick<BuildRecord, 'paths'>, inherited: string | undefined): string {
  return [...record.paths, ...(inherited ? [inherited] : [])].join(':');
}

/**
 * The environment of the build steps: the caller's, with `SOURCE_VERSION` (the commit, as Heroku
 * sets it for builds), and git unable to find the app's repository from inside the build.
 */
function buildEnv(env: NodeJS.ProcessEnv, commit: string, builds: string): NodeJS.ProcessEnv {
  return { ...withoutGitVariables(env), SOURCE_VERSION: commit, GIT_CEILING_DIRECTORIES: builds };
}

/** The top of the exported tree, as buildpacks.ts reads it. */
function treeFiles(dir: string): TreeFiles {
  // A link is not followed: the build reads nothing outside the commit's files.
  const isFile = (name: string) => lstatSync(join(dir, name), { throwIfNoEntry: false })?.isFile() === true;
  return {
    has: isFile,
    read: (name) => (isFile(name) ? readFileSync(join(dir, name), 'utf8') : undefined),
  };
}
