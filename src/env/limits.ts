// What one environment can hold. Linux refuses to start a process whose one environment string
// (`KEY=value` and its NUL) is longer than MAX_ARG_STRLEN (128 KiB), or whose whole environment
// and arguments pass ARG_MAX (spawn E2BIG), and no environment string can hold a NUL byte. dozen
// checks the env files against these before anything runs, and caps `$` expansion while it
// expands, so `A1=${A0}${A0}`, `A2=${A1}${A1}`... stops at the line that passes the cap instead of
// doubling into gigabytes.

/** One `KEY=value` string, its NUL included (Linux's MAX_ARG_STRLEN). */
export const MAX_VALUE_BYTES = 128 << 10;
/** Every value the env files define, together: half of a usual 2 MiB ARG_MAX, the rest for the inherited environment. */
export const MAX_TOTAL_BYTES = 1 << 20;

export const KiB = (bytes: number): string => `${Math.ceil(bytes / 1024)} KiB`;

/** Why `KEY=value` cannot be given to a process, or undefined when it can. Never quotes the value. */
export function envValueProblem(name: string, value: string): string | undefined {
  const key = clip(name);
  if (value.includes('\0')) return `${key}: the value contains a NUL byte, which no environment variable can hold`;
  const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
  if (bytes > MAX_VALUE_BYTES) return `${key}: the value is ${KiB(bytes)}; one environment variable holds at most ${KiB(MAX_VALUE_BYTES)} (Linux's MAX_ARG_STRLEN)`;
  return undefined;
}

export function totalProblem(key: string, totalBytes: number): string | undefined {
  if (totalBytes <= MAX_TOTAL_BYTES) return undefined;
  return `${clip(key)}: the env files' values add up to more than ${KiB(MAX_TOTAL_BYTES)}, more than a process environment can be given`;
}

/** Text of a file quoted in a message, shortened: one long name must not flood the terminal. */
export function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
