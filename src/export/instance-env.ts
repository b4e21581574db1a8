// Splits an instance's environment into the app's shared config and what is the instance's own
// (PORT, PS, DYNO, or anything else the formation set), so each target can carry the two apart.
import type { ProcessSpec } from '../formation/types.js';
import { isShellName } from '../env/shell-quote.js';
import { DozenError } from '../errors.js';

/** The instance's own variables: keys the config lacks or that the formation gave another value. */
export function instanceVars(spec: ProcessSpec, config: Record<string, string>): Array<[string, string]> {
  return Object.entries(spec.env).filter(([key, value]) => config[key] !== value);
}

/**
 * systemd and POSIX shells only take `[A-Za-z_][A-Za-z0-9_]*` names; the .env parser also
 * accepts `.` and `-`. Refuse rather than drop a variable silently (systemd would).
 */
export function requireShellNames(format: string, keys: Iterable<string>): void {
  for (const key of keys) {
    if (!isShellName(key)) {
      throw new DozenError('export', `config key "${key}" cannot be exported to ${format}: it only takes names made of letters, digits and "_".`, {
        hint: 'Rename the key in the env file.',
      });
    }
  }
}

/** Instance counts per type, in first-seen (Procfile) order. */
export function countsByType(instances: readonly ProcessSpec[]): Map<string, { count: number; first: ProcessSpec }> {
  const counts = new Map<string, { count: number; first: ProcessSpec }>();
  for (const spec of instances) {
    const entry = counts.get(spec.type);
    if (entry) entry.count += 1;
    else counts.set(spec.type, { count: 1, first: spec });
  }
  return counts;
}

/** The sanitised name of a type (exportNames made them all; a miss is a programming error). */
export function typeName(typeNames: ReadonlyMap<string, string>, type: string): string {
  const name = typeNames.get(type);
  if (name === undefined) throw new DozenError('internal', `no export name for process type "${type}"`);
  return name;
}
