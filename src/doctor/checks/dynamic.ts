// PLACEHOLDER until the doctor's run lands (branch doctor-run): the dynamic checks, none yet.
// That branch replaces this file with the real checks at this path; at a merge, take theirs.
import type { AppFacts, Check, RunObservations } from '../types.js';

export const DYNAMIC_CHECKS: Check<{ facts: AppFacts; run: RunObservations }>[] = [];
