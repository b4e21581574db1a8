// `-m web=2,worker=1` / `all=N` -> how many instances of each process type run.
// foreman's semantics (unnamed types get 0 once a formation is given, `all=N` sets their default)
// with forego's strictness (whitespace ignored, anything malformed is an error).
import { DozenError } from '../errors.js';
import { clip } from '../procfile/clip.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import type { Formation } from './types.js';

/** The pseudo-type that sets the count of every type not named. */
export const ALL_TYPES = 'all';

/**
 * Parses a formation spec against the Procfile's non-release types (in file order).
 * Returns a count for every type, in the order of `types`. Counts are only checked for syntax
 * here; expandFormation enforces the upper limit, which depends on the port layout.
 */
export function parseFormation(spec: string | undefined, types: string[]): Formation {
  // No -m at all: foreman's default formation, `all=1`.
  if (spec === undefined || spec.trim() === '') return new Map(types.map((t) => [t, 1]));

  const fail = (expected: string, found: string, hint?: string): never => {
    const valid = types.length > 0 ? `${types.join(', ')}, or ${ALL_TYPES}` : `only ${ALL_TYPES} (the Procfile has no process types)`;
    const message = `formation "${clip(spec)}": expected ${expected}, got ${found} (valid types: ${valid})`;
    if (hint === undefined) throw new DozenError('formation', message);
    throw new DozenError('formation', `${message}.`, { hint }); // the period reads well before the hint
  };

  const named = new Map<string, number>();
  let all: number | undefined;
  for (const raw of spec.split(',')) {
    const item = raw.replace(/\s+/g, '');
    const shown = `"${clip(raw.trim())}"`;
    if (item === '') fail('TYPE=COUNT items separated by ","', 'an empty item', 'Remove the extra ",".');

    const parts = item.split('=');
    if (parts.length !== 2) {
      const colon = /^([A-Za-z0-9_-]+):(\d+)$/.exec(item);
      const hint = colon ? `Use "=", as in "${colon[1]}=${colon[2]}".` : undefined;
      fail('TYPE=COUNT', shown, hint);
    }
    const [type = '', countText = ''] = parts;
    if (type === '') fail('TYPE=COUNT', `${shown} with no type`);
    if (!/^\d+$/.test(countText)) {
      fail(`a whole number of instances (0 or more) for "${clip(type)}"`, countText === '' ? 'nothing' : `"${clip(countText)}"`);
    }
    const count = Number(countText);
    if (!Number.isSafeInteger(count)) fail(`a whole number of instances for "${clip(type)}"`, `"${clip(countText)}"`);

    const seen = type === ALL_TYPES ? all !== undefined : named.has(type);
    if (seen) fail('each type at most once', `"${clip(type)}" twice`);
    if (type === ALL_TYPES) {
      all = count;
    } else if (types.includes(type)) {
      named.set(type, count);
    } else if (type === RELEASE_TYPE) {
      fail('a process type', `"${RELEASE_TYPE}"`, 'The release process runs once, before the others; it cannot be scaled.');
    } else {
      const sameLetters = types.find((t) => t.toLowerCase() === type.toLowerCase());
      fail('a process type from the Procfile', `"${clip(type)}"`, sameLetters ? `Did you mean "${sameLetters}"?` : undefined);
    }
  }
  return new Map(types.map((t) => [t, named.get(t) ?? all ?? 0]));
}
