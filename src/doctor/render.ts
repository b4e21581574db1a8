// The doctor's report for a person (factor by factor, findings indented with their evidence,
// place and fix; colours on a terminal) and for a program (`--json`, a fixed shape).
import type { DoctorReport, Finding, Status } from './types.js';

const COLOURS: Record<Status, string> = { pass: '32', warn: '33', fail: '31', skip: '90' };

export interface RenderOptions {
  color: boolean;
  /** The app as the report names it (a path relative to the current folder). */
  app: string;
  /** Why the app was not run, for the heading (`--static`). */
  notRun?: string | undefined;
}

export function renderReport(report: DoctorReport, opts: RenderOptions): string {
  const paint = (code: string, text: string) => (opts.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const status = (s: Status) => paint(COLOURS[s], s.padEnd(4));
  const lines = [`dozen doctor ${visible(opts.app)}${opts.notRun ? ` (not run: ${visible(opts.notRun)})` : ''}`, ''];
  const titleWidth = Math.max(...report.factors.map((f) => f.title.length));
  for (const factor of report.factors) {
    lines.push(`${paint('1', `${factor.factor.padEnd(5)} ${factor.title.padEnd(titleWidth)}`)}  ${status(factor.status)}`);
    for (const finding of factor.findings) lines.push(...renderFinding(finding, status));
  }
  const counts = (['fail', 'warn', 'pass', 'skip'] as const).map((s) => `${report.factors.filter((f) => f.status === s).length} ${s}`);
  const failed = report.factors.some((f) => f.status === 'fail');
  lines.push('', `${report.factors.length} factors: ${counts.join(', ')}${failed ? paint(COLOURS.fail, ' (something fails: exit 1)') : ''}`);
  return `${lines.join('\n')}\n`;
}

function renderFinding(f: Finding, status: (s: Status) => string): string[] {
  const head = `      ${status(f.status)}  ${visible(f.message)}`;
  if (f.status === 'pass' || f.status === 'skip') return [`${head} (${visible(f.evidence)})`];
  const where = f.file === undefined ? '' : `${f.file}${f.line === undefined ? '' : `:${f.line}`}  `;
  const out = [`${head}  [${f.check}]`, `            ${visible(where)}${visible(f.evidence)}`];
  if (f.fix !== undefined) out.push(`            fix: ${visible(f.fix)}`);
  return out;
}

/** Control characters (a terminal escape in an app's file) shown, never sent to the terminal. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The `--json` shape: `{ app, factors: [{ factor, title, status, findings: [{ check, status, message, evidence, file?, line?, fix? }] }] }`. */
export function reportJson(report: DoctorReport): unknown {
  return {
    app: report.app,
    factors: report.factors.map((f) => ({
      factor: f.factor,
      title: f.title,
      status: f.status,
      findings: f.findings.map((x) => ({
        check: x.check,
        status: x.status,
        message: x.message,
        evidence: x.evidence,
        ...(x.file === undefined ? {} : { file: x.file }),
        ...(x.line === undefined ? {} : { line: x.line }),
        ...(x.fix === undefined ? {} : { fix: x.fix }),
      })),
    })),
  };
}
