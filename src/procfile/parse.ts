// The Procfile parser: `name: command` lines in file order. Pure, and it never throws: every
// problem comes back as a Diagnostic, so `check` can show them all and `start` can refuse to run.
import type { Diagnostic } from '../errors.js';
import { clip } from './clip.js';
import { herokuNameProblem, PROCESS_NAME } from './name-rules.js';
import type { ParsedProcfile, ProcfileEntry } from './types.js';

export interface ParseProcfileOptions {
  /** Lines that do not parse become errors, and names must follow Heroku's rules. */
  strict?: boolean;
}

/** A trimmed entry line: the name, optional blanks, the colon, the command (`s`: a lone CR is text). */
const ENTRY_LINE = /^([A-Za-z0-9_-]+)[ \t]*:(.*)$/s;

export function parseProcfile(text: string, path: string, opts: ParseProcfileOptions = {}): ParsedProcfile {
  const strict = opts.strict ?? false;
  const entries: ProcfileEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const firstLineOf = new Map<string, number>();

  // A message is a phrase; when a hint follows, a period ends it so the one-line form reads
  // `Procfile:3: expected ..., got "...". Did you mean ...?`
  const report = (severity: Diagnostic['severity'], line: number, message: string, hint?: string): void => {
    const d: Diagnostic = { severity, file: path, line, message };
    if (hint !== undefined) Object.assign(d, { message: `${message}.`, hint });
    diagnostics.push(d);
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;

    const match = ENTRY_LINE.exec(line);
    if (!match) {
      const bad = describeBadLine(line, strict);
      report(strict ? 'error' : 'warning', lineNo, bad.message, bad.hint);
      return;
    }
    const name = match[1] ?? '';
    const command = (match[2] ?? '').trim();

    if (command === '') {
      report('error', lineNo, `process "${clip(name)}" has no command`, `Write it after the colon: "${clip(name)}: <command>".`);
      return;
    }
    const unrunnable = commandProblem(command);
    if (unrunnable) {
      report('error', lineNo, `process "${clip(name)}": ${unrunnable}`);
      return;
    }
    const problem = strict ? herokuNameProblem(name) : undefined;
    if (problem) {
      report('error', lineNo, problem.message, problem.hint);
      return;
    }
    const first = firstLineOf.get(name);
    if (first !== undefined) {
      report('error', lineNo, `duplicate process name "${clip(name)}" (first defined on line ${first})`, 'Each process type needs its own name.');
      return;
    }
    firstLineOf.set(name, lineNo);
    entries.push({ name, command, line: lineNo });
  });

  // Only worth saying when nothing more specific was: a lone `web:` already has its own error.
  if (entries.length === 0 && !diagnostics.some((d) => d.severity === 'error')) {
    report('error', 1, 'no process defined', 'Add a line like "web: <command>".');
  }
  return { path, entries, diagnostics };
}

/**
 * Linux's limit on one argument (MAX_ARG_STRLEN, 128 KiB): the command is given to `sh -c`
 * (with an `exec ` before it). No argument can hold a NUL byte.
 */
const MAX_COMMAND_BYTES = (128 << 10) - 64;

function commandProblem(command: string): string | undefined {
  if (command.includes('\0')) return 'the command contains a NUL byte, which no command line can hold';
  const bytes = Buffer.byteLength(command);
  if (bytes > MAX_COMMAND_BYTES) return `the command is ${Math.ceil(bytes / 1024)} KiB; a command line holds at most 128 KiB (Linux's MAX_ARG_STRLEN)`;
  return undefined;
}

/** The message for a non-blank, non-comment line that is not `name: command`, with a likely fix. */
function describeBadLine(line: string, strict: boolean): { message: string; hint?: string } {
  const message = `expected "name: command", got "${clip(line)}"`;
  if (line.startsWith('//')) return { message, hint: 'Comments start with "#".' };

  const colon = line.indexOf(':');
  if (colon >= 0) {
    const name = line.slice(0, colon).trim();
    if (name === '') return { message, hint: 'The process name before ":" is missing.' };
    // A blank inside means the colon belongs to the command (`web python a.py --bind=:80`).
    const badChar = /\s/.test(name) ? undefined : [...name].find((c) => !PROCESS_NAME.test(c));
    if (badChar !== undefined) {
      const allowed = strict ? 'a-z, 0-9 and "-"' : 'letters, digits, "_" and "-"';
      return { message, hint: `Process names use ${allowed}, not "${badChar}".` };
    }
  }

  // `web python serve.py` or `web = python serve.py`: the colon was forgotten.
  const missingColon = /^([A-Za-z0-9_-]+)(?:[ \t]*=[ \t]*|[ \t]+)(\S.*)$/s.exec(line);
  if (missingColon) return { message, hint: `Did you mean "${clip(`${missingColon[1]}: ${missingColon[2]}`)}"?` };
  if (PROCESS_NAME.test(line)) return { message, hint: `Add the command after a colon: "${clip(line)}: <command>".` };
  return { message };
}
