// The option checks the benchmarks share: a positive integer, a comma-separated list of known names.

export function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got "${text}"`);
  return n;
}

/** The items of `text` (all of `valid` when it is undefined), each checked against `valid`. */
export function pickList<T extends string>(name: string, text: string | undefined, valid: readonly T[]): T[] {
  if (text === undefined) return [...valid];
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!valid.includes(item as T)) throw new Error(`${name}: unknown "${item}", expected some of ${valid.join(', ')}`);
  }
  return items as T[];
}
