// The one place that decides which value a child process gets for a key: used both for the
// final result and while expanding references, so `A` and `${A}` can never disagree.

import type { EnvSource, EnvVar } from './types.js';

/** One definition of a key in an env file. */
export interface Definition {
  value: string;
  file: string;
  line: number;
  /** A bare `KEY` line: the value was copied from the inherited environment. */
  fromInherited?: boolean;
}

export type Resolution = Pick<EnvVar, 'value' | 'source' | 'shadowed'>;

/**
 * The value a child gets for one key.
 * - definitions: every definition of the key in load order (files in order, lines in order);
 *   the last one wins, so a later file overrides an earlier one and a repeated key in one file
 *   keeps its last value.
 * - inherited: the key in the inherited environment; set (even to "") means it exists.
 * - override: false (default) lets the inherited environment win over all files.
 * Returns undefined when the key has no value at all.
 */
export function resolvePrecedence(
  definitions: readonly Definition[],
  inherited: string | undefined,
  override: boolean,
): Resolution | undefined {
  const last = definitions.at(-1);
  if (inherited !== undefined && (last === undefined || !override)) {
    const resolution: Resolution = { value: inherited, source: { type: 'inherited' } };
    // A bare `KEY` defers to the environment, so it did not lose anything.
    if (last !== undefined && !last.fromInherited) {
      resolution.shadowed = { file: last.file, line: last.line, value: last.value };
    }
    return resolution;
  }
  if (last === undefined) return undefined;
  const source: EnvSource = last.fromInherited
    ? { type: 'inherited' }
    : { type: 'file', file: last.file, line: last.line };
  return { value: last.value, source };
}
