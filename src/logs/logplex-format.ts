// How `dozen logs` prints a stored line: Heroku's Logplex text form, or one JSON object per line.
import type { StoredLine } from './store/stored-line.js';

/** `2026-11-28T16:40:12.123456+00:00`: UTC, microseconds, as Logplex prints it. */
export function logplexTimestamp(tsUs: number): string {
  const ms = Math.floor(tsUs / 1000);
  const micros = String(((tsUs % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}+00:00`;
}

/**
 * `<timestamp> app[web.1]: message` for the app's lines; dozen's own lines read
 * `dozen[web.1]: ...` when they are about an instance and `dozen[dozen]: ...` otherwise (as
 * Heroku's `heroku[web.1]` / `heroku[router]`).
 */
export function formatLogplex(line: StoredLine): string {
  return `${logplexTimestamp(line.tsUs)} ${line.source}[${line.instance}]: ${line.text}`;
}

/** The JSON form (`--json`): one object per line, stable keys. */
export interface LogLineJson {
  id: number;
  time: string;
  source: string;
  instance: string;
  type: string;
  stream: string;
  text: string;
}

export function toJson(line: StoredLine): LogLineJson {
  return {
    id: line.id,
    time: logplexTimestamp(line.tsUs),
    source: line.source,
    instance: line.instance,
    type: line.type,
    stream: line.stream,
    text: line.text,
  };
}

export function formatJson(line: StoredLine): string {
  return JSON.stringify(toJson(line));
}
