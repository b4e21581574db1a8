// The doctor's verdict: every check run over what was read (and, unless skipped, what was seen
// while the app ran), gathered factor by factor, I to XII, always all twelve.
import { FACTORS, type AppFacts, type Check, type DoctorReport, type FactorReport, type Finding, type RunObservations, type Status } from './types.js';

export interface DoctorChecks {
  static: ReadonlyArray<Check<AppFacts>>;
  dynamic: ReadonlyArray<Check<{ facts: AppFacts; run: RunObservations }>>;
}

const RANK: Record<Status, number> = { skip: 0, pass: 1, warn: 2, fail: 3 };

/** The report: a factor's status is its worst finding; skip (with the reason) when nothing could be checked. */
export function runDoctor(facts: AppFacts, run: RunObservations | undefined, checks: DoctorChecks): DoctorReport {
  const skipped = run === undefined ? 'the app was not run' : run.skipped;
  const byFactor = new Map<string, Finding[]>();
  const add = (factor: string, findings: Finding[]) => byFactor.set(factor, [...(byFactor.get(factor) ?? []), ...findings]);
  for (const check of checks.static) add(check.factor, check.run(facts));
  for (const check of checks.dynamic) {
    if (run === undefined || skipped !== undefined) {
      add(check.factor, [{ check: check.id, status: 'skip', message: `not checked: ${skipped}`, evidence: 'checked only by running the app' }]);
    } else add(check.factor, check.run({ facts, run }));
  }
  const factors = FACTORS.map(([factor, title]): FactorReport => {
    const all = dedupeSkips(byFactor.get(factor) ?? []);
    if (all.length === 0) {
      const finding: Finding = skipped
        ? { check: 'doctor.not-run', status: 'skip', message: `not checked: ${skipped}`, evidence: 'only running the app checks this factor' }
        : { check: 'doctor.no-check', status: 'skip', message: 'not checked: no check applies to this app', evidence: 'no finding' };
      return { factor, title, status: 'skip', findings: [finding] };
    }
    const status = all.reduce<Status>((worst, f) => (RANK[f.status] > RANK[worst] ? f.status : worst), 'skip');
    // Problems first (fail, then warn), in check order (the sort is stable); then passes, then skips.
    const findings = [...all].sort((a, b) => RANK[b.status] - RANK[a.status]);
    return { factor, title, status, findings };
  });
  return { app: facts.root, factors };
}

/** Many dynamic checks of one factor skipped for one reason say it once. */
function dedupeSkips(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.status !== 'skip') return true;
    if (seen.has(f.message)) return false;
    seen.add(f.message);
    return true;
  });
}

/** Whether anything failed: the command's exit status. */
export function hasFailure(report: DoctorReport): boolean {
  return report.factors.some((f) => f.status === 'fail');
}
