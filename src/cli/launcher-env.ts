// bin/dozen starts Node without NODE_EXTRA_CA_CERTS (Node would parse that file at start-up, about
// 85 ms for a system CA bundle, for the TLS drains alone) and hands it over under
// LAUNCHER_CA_VARIABLE. main.ts imports this module first, so it is put back before anything else
// reads the environment: dozen's processes, `dozen env`, `dozen run` and the exports see exactly
// the user's environment. The TLS drains add the file's certificates themselves (extra-ca-certs.ts).
// For `dozen run`, the launcher also names the file where dozen hands its command over for the
// launcher to exec (platform/exec-handoff.ts); it is taken out of the environment here too.
import { takeHandoffFile } from '../platform/exec-handoff.js';

export const LAUNCHER_CA_VARIABLE = 'DOZEN_LAUNCHER_NODE_EXTRA_CA_CERTS';

/** Undoes the launcher's move of NODE_EXTRA_CA_CERTS in `env`. */
export function restoreLauncherEnv(env: NodeJS.ProcessEnv): void {
  const handed = env[LAUNCHER_CA_VARIABLE];
  if (handed === undefined) return;
  env.NODE_EXTRA_CA_CERTS = handed;
  delete env[LAUNCHER_CA_VARIABLE];
}

restoreLauncherEnv(process.env);

/** Where `dozen run` writes its command for bin/dozen to exec; undefined when not started by it. */
export const handoffFile: string | undefined = takeHandoffFile(process.env);
