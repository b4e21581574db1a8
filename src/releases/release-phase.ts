// The Procfile's `release:` process, run for every new release before it becomes current (as
// Heroku's release phase): in the build folder, with the release's config, its output passed on
// to whoever deploys (a terminal, or a `git push` as `remote:` lines). Like a build step it runs
// in a process group of its own under the no-orphan watchdog (a SIGKILL of dozen takes it down:
// two release phases never run at once), with stdin closed and no GIT_* variable of a push hook.
import { startWatchdog } from '../platform/watchdog.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import type { LoadedApp } from '../app/load-app.js';
import { describeOutcome, isSuccess } from '../supervisor/outcome.js';
import { withoutGitVariables } from './git-source.js';
import { runStep } from './run-step.js';

export type ReleasePhaseResult = { ran: false } | { ran: true; ok: boolean; exit: string };

export async function runReleasePhase(app: LoadedApp, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<ReleasePhaseResult> {
  const entry = app.procfile.entries.find((e) => e.name === RELEASE_TYPE);
  if (!entry) return { ran: false };
  const env: Record<string, string> = {};
  const { GIT_CEILING_DIRECTORIES } = app.inherited;
  for (const [key, value] of Object.entries(withoutGitVariables(app.inherited))) if (value !== undefined) env[key] = value;
  if (GIT_CEILING_DIRECTORIES !== undefined) env.GIT_CEILING_DIRECTORIES = GIT_CEILING_DIRECTORIES;
  Object.assign(env, app.config, { PS: RELEASE_TYPE, DYNO: `${RELEASE_TYPE}.1` });
  const watchdog = startWatchdog();
  try {
    const outcome = await runStep({ name: 'release phase', command: entry.command, env: {} }, { cwd: app.root, env, watchdog, onLine });
    return { ran: true, ok: isSuccess(outcome), exit: describeOutcome(outcome) };
  } finally {
    watchdog.close();
  }
}
