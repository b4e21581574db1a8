// `dozen logs` filters: from CLI strings to a LogQuery (pure, table-tested), and from a LogQuery
// to the WHERE clause the reader runs (also pure).
import { DozenError } from '../errors.js';
import { LOG_SOURCES, type LogSource } from './store/stored-line.js';

export interface LogQuery {
  /** The last N matching lines; undefined = all of them. */
  limit: number | undefined;
  /** A type (`web`), an instance (`web.2`) or a glob (`web.*`). */
  ps: string | undefined;
  source: LogSource | undefined;
  grep: RegExp | undefined;
  /** An FTS5 full-text query. */
  search: string | undefined;
  /** Inclusive lower bound, microseconds since the epoch. */
  sinceUs: number | undefined;
  /** Exclusive upper bound, microseconds since the epoch. */
  untilUs: number | undefined;
}

/** The filter flags as commander hands them over. */
export interface LogFilterOptions {
  num?: string;
  ps?: string;
  source?: string;
  grep?: string;
  search?: string;
  since?: string;
  until?: string;
}

export const DEFAULT_LIMIT = 100;

/**
 * Validates the flags. `-n` defaults to 100, except with `--since`/`--until` where every line of
 * the period is shown unless `-n` is given.
 */
export function parseLogQuery(o: LogFilterOptions, nowMs: number): LogQuery {
  const ranged = o.since !== undefined || o.until !== undefined;
  let limit: number | undefined = ranged ? undefined : DEFAULT_LIMIT;
  if (o.num !== undefined) {
    if (!/^\d+$/.test(o.num)) throw new DozenError('usage', `-n: expected a number of lines, got "${o.num}"`);
    limit = Number(o.num);
  }
  if (o.source !== undefined && !(LOG_SOURCES as readonly string[]).includes(o.source)) {
    throw new DozenError('usage', `--source: expected app, dozen or build, got "${o.source}"`);
  }
  if (o.ps !== undefined && o.ps.trim() === '') throw new DozenError('usage', '--ps: expected a type, an instance or a glob, got ""');
  let grep: RegExp | undefined;
  if (o.grep !== undefined) {
    try {
      grep = new RegExp(o.grep);
    } catch (err) {
      throw new DozenError('usage', `--grep: invalid regular expression "${o.grep}": ${(err as Error).message}`);
    }
  }
  if (o.search !== undefined && o.search.trim() === '') throw new DozenError('usage', '--search: expected a full-text query, got ""');
  const sinceUs = o.since === undefined ? undefined : parseTimeSpec(o.since, nowMs, '--since');
  const untilUs = o.until === undefined ? undefined : parseTimeSpec(o.until, nowMs, '--until');
  return { limit, ps: o.ps?.trim(), source: o.source as LogSource | undefined, grep, search: o.search, sinceUs, untilUs };
}

const AGO_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `10m`, `90s`, `2h`, `1d`, `1w` (that long ago) or a timestamp Date.parse accepts (ISO 8601:
 * `2026-11-28T16:40:12Z`, `2026-11-28 16:40`, local time when no zone is given). Returns µs.
 */
export function parseTimeSpec(spec: string, nowMs: number, flagName: string): number {
  const s = spec.trim();
  const ago = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(s);
  if (ago) return Math.round((nowMs - Number(ago[1]) * (AGO_MS[ago[2] as string] as number)) * 1000);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) {
    throw new DozenError('usage', `${flagName}: expected a duration like 10m, 2h, 1d or a timestamp like 2026-11-28T16:40:00Z, got "${spec}"`);
  }
  return Math.round(ms * 1000);
}

export interface SqlPart {
  sql: string;
  params: Array<string | number>;
}

/**
 * The conditions on `chunks` (aliased `c`) for the filters that hold for a whole chunk (all its
 * lines share instance, source and time), ANDed; '1' if none. `grep` and `search` are per line.
 */
export function whereClause(q: Pick<LogQuery, 'ps' | 'source' | 'sinceUs' | 'untilUs'>): SqlPart {
  const conds: string[] = [];
  const params: Array<string | number> = [];
  if (q.ps !== undefined) {
    const p = psCondition(q.ps);
    conds.push(p.sql);
    params.push(...p.params);
  }
  if (q.source !== undefined) {
    conds.push('c.source = ?');
    params.push(q.source);
  }
  if (q.sinceUs !== undefined) {
    conds.push('c.ts >= ?');
    params.push(q.sinceUs);
  }
  if (q.untilUs !== undefined) {
    conds.push('c.ts < ?');
    params.push(q.untilUs);
  }
  return { sql: conds.length > 0 ? conds.join(' AND ') : '1', params };
}

/**
 * `--ps`: a plain word is a type or an instance name; `*`, `?` or `[` make it a glob (as in
 * `dozen restart`), matched against instance names and types with SQLite's GLOB (`[!..]` is
 * accepted for a negated class).
 */
export function psCondition(pattern: string): SqlPart {
  if (!/[*?[]/.test(pattern)) return { sql: '(c.instance = ? OR c.type = ?)', params: [pattern, pattern] };
  const glob = pattern.replace(/\[!/g, '[^');
  return { sql: '(c.instance GLOB ? OR c.type GLOB ?)', params: [glob, glob] };
}

/**
 * An FTS5 query as the user typed it, or — when that is not valid FTS5 syntax (`GET /api`,
 * `user-42`, `web.1`) — each word quoted, so punctuation acts as a separator as it does in the
 * index. Returns the candidates to try in order.
 */
export function ftsCandidates(search: string): string[] {
  const quoted = search
    .trim()
    .split(/\s+/)
    .map((w) => `"${w.replace(/"/g, '""')}"`)
    .join(' ');
  return quoted === search ? [search] : [search, quoted];
}
