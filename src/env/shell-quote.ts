/**
 * Quotes a value for POSIX sh so that `eval`/`.` yields exactly the same bytes:
 * single quotes, with each embedded `'` written as `'\''`. Newlines and unicode pass through.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export KEY='value'` */
export function shellExport(key: string, value: string): string {
  return `export ${key}=${shellQuote(value)}`;
}

/**
 * A name POSIX shells, systemd and every language's environment take: letters, digits and `_`,
 * not starting with a digit. The .env parser also accepts `.` and `-`.
 */
export function isShellName(key: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
}

/**
 * Quotes a value for fish so that `source`/`eval` yields exactly the same bytes: single quotes,
 * inside which fish gives meaning to `\'` and `\\` only (POSIX quoting is wrong there: fish reads
 * `'\''` differently). Newlines and unicode pass through.
 */
export function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}
