// When to colour, and with what. The printer only needs SGR codes; no colour library, because the
// output is built as bytes, not through string helpers.

export interface ColorInputs {
  /** `--color` (true) or `--no-color` (false); undefined when the user said neither. */
  flag?: boolean | undefined;
  env: Record<string, string | undefined>;
  /** Whether the output stream is a terminal. */
  isTTY: boolean;
}

/**
 * The usual precedence: an explicit flag, then FORCE_COLOR (`0`/`false` turn colour off, any
 * other value on), then NO_COLOR (any non-empty value turns it off, see no-color.org), then
 * "is a terminal that is not dumb".
 */
export function resolveColor({ flag, env, isTTY }: ColorInputs): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  return isTTY && env.TERM !== 'dumb';
}

/** Per-type colours, cycled in the order types first appear. Red is kept for stderr and errors. */
export const PALETTE: readonly string[] = ['36', '33', '32', '35', '34', '96', '93', '92', '95', '94'];

export const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  fg: (code: string): string => `\x1b[${code}m`,
} as const;
