// From a build and a config to a current release, and a running formation switched to it: the
// steps every release takes, whether a deploy, a config change or a rollback made it. Under the
// app's deploy lock: one at a time per app. The release is recorded `pending` first, its release
// phase runs, then it is settled: only a success becomes current and is switched to.
import { join } from 'node:path';
import { DozenError, ExitCode } from '../errors.js';
import { withFileLockAsync } from '../platform/file-lock.js';
import { loadReleaseApp, releaseName, type BuildLocation } from './release-app.js';
import { runReleasePhase } from './release-phase.js';
import { addRelease, settleRelease, type Release } from './release-store.js';

export interface ReleaseContext {
  stateDir: string;
  inherited: NodeJS.ProcessEnv;
  /** Where a build is (undefined: pruned or never made). */
  locate(buildId: string): BuildLocation | undefined;
  /**
   * Switches the `dozen start --release` running for the app, if any, to the new current
   * release; says what happened. Undefined: none runs.
   */
  switchRunning(version: number): Promise<{ ok: boolean; text: string } | undefined>;
  /** One line for whoever deploys. */
  say(line: string): void;
  /** A line of the release phase's output. */
  output(line: string, stream: 'stdout' | 'stderr'): void;
}

export interface ReleaseOutcome {
  release: Release;
  /** What the running formation did, if one runs. */
  switched: string | undefined;
}

export function deployLockPath(stateDir: string): string {
  return join(stateDir, 'deploy.lock');
}

/** Runs `fn` holding the app's deploy lock: one deploy, release or rollback at a time per app. */
export function underDeployLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  // A second one waits a little for the first (a quick config set), then fails naming its pid.
  return withFileLockAsync(deployLockPath(stateDir), fn, { what: 'the app (another deploy, release or rollback runs)' });
}

/** Records, runs the release phase of, settles and switches to a new release. Call under the lock. */
export async function makeRelease(ctx: ReleaseContext, fields: Pick<Release, 'description' | 'build' | 'commit' | 'config'>): Promise<ReleaseOutcome> {
  const pending = addRelease(ctx.stateDir, fields);
  const name = releaseName(pending);
  let phase;
  try {
    const app = loadReleaseApp(pending, ctx.locate(pending.build), ctx.inherited);
    phase = await runReleasePhase(app, (line, stream) => ctx.output(line, stream));
  } catch (err) {
    settleRelease(ctx.stateDir, pending.version, 'failed');
    throw err;
  }
  if (phase.ran && !phase.ok) {
    settleRelease(ctx.stateDir, pending.version, 'failed');
    throw new DozenError('release', `${name}'s release phase ${phase.exit}; ${name} is recorded as failed and the current release stays current`, {
      exitCode: ExitCode.failure,
    });
  }
  const release = settleRelease(ctx.stateDir, pending.version, 'succeeded');
  ctx.say(`${name}: ${release.description} (build ${release.build}) is the current release`);
  // Current from here on: a running dozen (which does the switch) carries on with it even if this
  // process dies now, and the next `dozen start --release` runs it.
  const switched = await ctx.switchRunning(release.version);
  if (switched !== undefined && !switched.ok) {
    throw new DozenError('release', `${name} is the current release, but ${switched.text}`, { exitCode: ExitCode.failure });
  }
  if (switched !== undefined) ctx.say(switched.text);
  return { release, switched: switched?.text };
}
