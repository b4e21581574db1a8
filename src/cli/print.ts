// Small output helpers shared by the commands: results on stdout, warnings on stderr.

/** Writes lines to stdout, each ending in a newline. */
export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

/** Pretty JSON on stdout, one trailing newline. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `dozen: warning: Procfile:3: ...` on stderr, one line each. */
export function printWarnings(warnings: string[]): void {
  for (const w of warnings) process.stderr.write(`dozen: warning: ${oneLine(w)}\n`);
}

/** Columns padded to the widest cell; the last column is not padded. */
export function table(rows: string[][], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join(gap)
      .trimEnd(),
  );
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Newlines and other control characters made visible, so one item stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
