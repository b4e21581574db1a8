// A check over the Procfile's commands: each entry (release included, unless left out) is asked
// for its problems; each becomes a finding at its line, with the entry as evidence.
import type { AppFacts, Check, Factor, Finding } from '../types.js';
import { count, passed, problem } from './findings.js';
import { procfileCommands, type ProcfileCommand } from './shell-words.js';

export interface EntryProblem {
  status: 'warn' | 'fail';
  message: string;
  fix: string;
}

export function procfileCheck(spec: {
  id: string;
  factor: Factor;
  /** The pass message, when no entry has a problem. */
  pass: string;
  withRelease: boolean;
  problems(entry: ProcfileCommand): EntryProblem[];
}): Check<AppFacts> {
  return {
    id: spec.id,
    factor: spec.factor,
    run(facts) {
      const procfile = facts.procfile;
      if (procfile === undefined) return [];
      const entries = procfileCommands(procfile).filter((e) => spec.withRelease || e.name !== 'release');
      const findings: Finding[] = entries.flatMap((entry) =>
        spec.problems(entry).map((p) => problem(spec.id, p.status, p.message, `${entry.name}: ${entry.command}`, p.fix, { file: procfile.path, line: entry.line })),
      );
      if (findings.length > 0) return findings;
      const read = spec.withRelease ? count(entries.length, 'Procfile entry', 'Procfile entries') : count(entries.length, 'process type');
      return [passed(spec.id, spec.pass, `${read} read`)];
    },
  };
}
