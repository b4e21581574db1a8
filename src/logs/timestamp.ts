// Line timestamps: `HH:MM:SS` local time (foreman's), or RFC 3339 with milliseconds and the local
// offset (`2026-11-28T18:53:47.123+01:00`, `Z` at UTC), close to what Logplex shows.
import { DozenError } from '../errors.js';

export type TimestampFormat = 'time' | 'iso';

export const TIMESTAMP_FORMATS: readonly TimestampFormat[] = ['time', 'iso'];

export function parseTimestampFormat(value: string): TimestampFormat {
  if ((TIMESTAMP_FORMATS as readonly string[]).includes(value)) return value as TimestampFormat;
  throw new DozenError('usage', `--timestamp-format: expected one of ${TIMESTAMP_FORMATS.join(', ')}, got "${value}"`);
}

export function formatTimestamp(at: number, format: TimestampFormat): string {
  const d = new Date(at);
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  if (format === 'time') return time;
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  return `${date}T${time}.${ms}${formatOffset(-d.getTimezoneOffset())}`;
}

/** `Z`, or `+HH:MM` / `-HH:MM` for an offset east of UTC in minutes. */
export function formatOffset(minutesEast: number): string {
  if (minutesEast === 0) return 'Z';
  const sign = minutesEast > 0 ? '+' : '-';
  const abs = Math.abs(minutesEast);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
