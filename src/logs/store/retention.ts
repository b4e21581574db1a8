// How much history the store keeps: `--log-retention 7d,1000000` (age, line count; either part
// may be given alone: `2d`, `500000`, `12h,50000`).
import { DozenError } from '../../errors.js';

export interface Retention {
  maxAgeMs: number;
  maxLines: number;
}

export const DEFAULT_RETENTION: Retention = { maxAgeMs: 7 * 24 * 3600 * 1000, maxLines: 1_000_000 };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `7d,1000000`; missing parts keep their defaults. Throws a one-line usage error. */
export function parseRetention(spec: string | undefined): Retention {
  if (spec === undefined || spec.trim() === '') return { ...DEFAULT_RETENTION };
  const out = { ...DEFAULT_RETENTION };
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const age = /^(\d+)([smhdw])$/.exec(part);
    if (age) {
      out.maxAgeMs = Number(age[1]) * (UNIT_MS[age[2] as string] as number);
    } else if (/^\d+$/.test(part) && Number(part) > 0) {
      out.maxLines = Number(part);
    } else {
      throw new DozenError('usage', `--log-retention: expected an age like 7d and/or a line count like 1000000 (e.g. "7d,1000000"), got "${part}"`);
    }
  }
  if (out.maxAgeMs <= 0) throw new DozenError('usage', `--log-retention: the age must be more than 0, got "${spec}"`);
  return out;
}
