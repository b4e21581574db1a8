// Quoting for systemd's own syntax. Two different rule sets apply:
// - unit settings (ExecStart=, paths): `%` starts a specifier everywhere (systemd.unit(5)), and in
//   ExecStart= `$` starts a variable (systemd.service(5)); words are quoted with C-style escapes
//   (systemd.syntax(7), "Quoting").
// - EnvironmentFile= files: shell-like quoting, no specifiers, no `$` expansion (systemd.exec(5)).
import { DozenError } from '../errors.js';

const C_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/**
 * One ExecStart= word that systemd hands to the program byte for byte: double-quoted, `\` and `"`
 * escaped, control characters as C escapes, `%` -> `%%` (specifiers) and `$` -> `$$` (variables).
 */
export function systemdExecWord(value: string): string {
  const body = value.replace(/[\\"\u0000-\u001f\u007f%$]/g, (c) => {
    if (c === '%') return '%%';
    if (c === '$') return '$$';
    return C_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `"${body}"`;
}

/** An absolute path for WorkingDirectory=/EnvironmentFile=: taken whole, only `%` is special. */
export function systemdPath(path: string, what: string): string {
  if (!path.startsWith('/') || /[\u0000-\u001f\u007f]/.test(path)) {
    throw new DozenError('export', `${what} must be an absolute path without control characters, got ${JSON.stringify(path)}.`);
  }
  return path.replace(/%/g, '%%');
}

/**
 * `KEY='value'` for an EnvironmentFile: single quotes keep every character verbatim, newlines
 * included. A value holding `'` goes in double quotes, where a backslash keeps `"`, `\`, `` ` ``
 * and `$` literal and every other character stands for itself.
 */
export function systemdEnvLine(key: string, value: string): string {
  if (!value.includes("'")) return `${key}='${value}'`;
  return `${key}="${value.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
}
