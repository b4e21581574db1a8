// PLACEHOLDER until the doctor's run lands (branch doctor-run): runs nothing, and says so.
// That branch replaces this file with the real observer at this path; at a merge, take theirs.
import type { AppFacts, RunObservations } from '../types.js';

export async function observeApp(_facts: AppFacts, opts: { bootTimeoutMs: number; stopTimeoutMs: number; dozenCli: string }): Promise<RunObservations> {
  return { skipped: 'the dynamic checks are not built yet', bootTimeoutMs: opts.bootTimeoutMs, stopTimeoutMs: opts.stopTimeoutMs, types: [], changedFiles: [] };
}
