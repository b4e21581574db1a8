// Small constructors for findings, so every check spells them the same way.
import type { Finding } from '../types.js';

/** A pass: what was checked, and that nothing was wrong. */
export function passed(check: string, message: string, evidence: string): Finding {
  return { check, status: 'pass', message, evidence };
}

/** A warn or fail with its place (`file:line`) and its fix. */
export function problem(
  check: string,
  status: 'warn' | 'fail',
  message: string,
  evidence: string,
  fix: string,
  where: { file?: string | undefined; line?: number | undefined } = {},
): Finding {
  const finding: Finding = { check, status, message, evidence, fix };
  if (where.file !== undefined) finding.file = where.file;
  if (where.line !== undefined) finding.line = where.line;
  return finding;
}

/** `1 file`, `2 files` (`plural` for other words: `entries`). */
export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/** At most `max` findings, the rest summed up in one more (same check and status as the last kept). */
export function capped(findings: Finding[], max = 20): Finding[] {
  if (findings.length <= max) return findings;
  const last = findings[max - 1] as Finding;
  const more: Finding = { ...last, message: `and ${findings.length - max} more like these`, evidence: `${findings.length} in all` };
  delete more.file;
  delete more.line;
  return [...findings.slice(0, max), more];
}
