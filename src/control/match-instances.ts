// Which instances a command's patterns name: a type (`web`), an instance (`web.2`) or a glob
// (`web.*`, `*`, `w?b.1`, `web.[12]`). Pure.

export interface NamedInstance {
  name: string;
  type: string;
}

export type MatchResult = { ok: true; names: string[] } | { ok: false; message: string };

/**
 * The instances matched by any pattern, in formation order, each once. No patterns = all.
 * Every pattern must match something: a typo never silently does nothing.
 */
export function matchInstances(patterns: readonly string[], instances: readonly NamedInstance[]): MatchResult {
  if (patterns.length === 0) return { ok: true, names: instances.map((i) => i.name) };
  const matched = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const test = patternMatcher(pattern);
    const hits = instances.filter(test);
    if (hits.length === 0) unmatched.push(pattern);
    for (const hit of hits) matched.add(hit.name);
  }
  if (unmatched.length > 0) {
    const list = instances.length > 0 ? instances.map((i) => i.name).join(', ') : 'none';
    const quoted = unmatched.map((p) => `"${p}"`).join(', ');
    return { ok: false, message: `${quoted} matched no instance (instances: ${list})` };
  }
  return { ok: true, names: instances.filter((i) => matched.has(i.name)).map((i) => i.name) };
}

/** A plain word is a type or an instance name; `*`, `?` or `[` make it a glob over names. */
export function patternMatcher(pattern: string): (instance: NamedInstance) => boolean {
  if (!/[*?[]/.test(pattern)) return (i) => i.type === pattern || i.name === pattern;
  const regex = globToRegExp(pattern);
  return (i) => regex.test(i.name) || regex.test(i.type);
}

/** `*` any run of characters, `?` one character, `[...]` a class (`[!...]` negated). */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
