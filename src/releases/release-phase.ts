// The Procfile's `release:` process, run for every new release before it becomes current (as
// Heroku's release phase): in the build folder, with the release's config, in the foreground so
// its output reaches whoever deploys (a terminal, or a `git push` as `remote:` lines).
import { spawnForeground } from '../platform/spawn-foreground.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import type { LoadedApp } from '../app/load-app.js';

export type ReleasePhaseResult = { ran: false } | { ran: true; ok: boolean; exit: string };

export async function runReleasePhase(app: LoadedApp): Promise<ReleasePhaseResult> {
  const entry = app.procfile.entries.find((e) => e.name === RELEASE_TYPE);
  if (!entry) return { ran: false };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(app.inherited)) if (value !== undefined) env[key] = value;
  Object.assign(env, app.config, { PS: RELEASE_TYPE, DYNO: `${RELEASE_TYPE}.1` });
  const result = await spawnForeground({ file: '/bin/sh', args: ['-c', entry.command], env, cwd: app.root });
  switch (result.type) {
    case 'exit-code':
      return { ran: true, ok: result.code === 0, exit: `exited with code ${result.code}` };
    case 'signal':
      return { ran: true, ok: false, exit: `was terminated by ${result.signal}` };
    case 'spawn-error':
      return { ran: true, ok: false, exit: `could not start: ${result.message}` };
  }
}
