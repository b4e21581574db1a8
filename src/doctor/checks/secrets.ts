// Finding secrets in a line of text, and masking them: nothing secret is ever put in a finding.
// Three kinds: private keys, URLs with a password, and long literals assigned to secret names.

export interface SecretSeen {
  kind: 'private-key' | 'credentialed-url' | 'secret-literal';
  /** The line with the secret masked (`postgres://user:****@host`, `SECRET_KEY = '****' (50 chars)`). */
  masked: string;
}

const PRIVATE_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/;
const CREDENTIALED_URL = /\b([a-z][a-z0-9+.-]*):\/\/([^\s:@/'"`]+):([^\s@/'"`]+)@([^\s/'"`?#]+)/gi;
/** A password that is a template, not a value: `${DB_PASSWORD}`, `{password}`, `<password>`, `%s`, `****`. */
const PLACEHOLDER = /^(\$\{?[\w:-]*\}?|\{+[^}]*\}+|<[^>]*>|%s|%\(\w+\)s|\*+|x{3,}|\.\.\.|\$\w+)$/i;
export const SECRET_NAME = /(secret|token|passw(or)?d|passwd|pwd|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth[_-]?key|signing[_-]?key|credentials?)/i;
/** Names that contain a secret word but do not hold one: `TOKEN_URL`, `PASSWORD_RESET_TIMEOUT`, `SECRET_KEY_FALLBACKS`... */
const NOT_A_SECRET_NAME = /(url|uri|endpoint|path|file|field|header|name|type|length|timeout|ttl|expir|env|var|regex|pattern|prefix|suffix|label|fallbacks|hasher|validators?|min|max|count|id$|_id|lifetime|algorithm|class|backend)/i;
const ASSIGNMENT = /(["']?)([A-Za-z_][\w.-]*)\1\s*(?::=|=>|=|:)\s*[rbuf]?(["'`])([^"'`\n]*)\3/g;

/** Secrets written in `line` (a line of code or config), masked. */
export function secretsIn(line: string, opts: { keys?: boolean } = {}): SecretSeen[] {
  const seen: SecretSeen[] = [];
  const key = PRIVATE_KEY.exec(line);
  if (key) seen.push({ kind: 'private-key', masked: `${key[0]} (the key is not shown)` });
  for (const m of line.matchAll(CREDENTIALED_URL)) {
    const password = m[3] as string;
    // A template (`${PASSWORD}`) or the syntax written out (`https://[user:pass@]host`).
    if (PLACEHOLDER.test(password) || /^[[<{]/.test(m[2] as string)) continue;
    seen.push({ kind: 'credentialed-url', masked: `${m[1]}://${m[2]}:****@${m[4]}` });
  }
  if (opts.keys === false) return seen;
  for (const m of line.matchAll(ASSIGNMENT)) {
    const name = m[2] as string;
    const value = m[4] as string;
    if (!SECRET_NAME.test(name) || NOT_A_SECRET_NAME.test(name) || !looksLikeSecretValue(value)) continue;
    if (seen.some((s) => s.kind === 'credentialed-url')) continue;
    const quote = m[3] as string;
    seen.push({ kind: 'secret-literal', masked: `${name} = ${quote}****${quote} (${value.length} chars)` });
  }
  // `SECRET_KEY = os.environ.get('SECRET_KEY', 'django-insecure-...')`: a default of a secret.
  const target = /^\s*(?:export\s+)?(?:const\s+|let\s+|var\s+)?([A-Za-z_][\w.]*)\s*(?::=|=|:)(?!=)/.exec(line)?.[1];
  if (target !== undefined && SECRET_NAME.test(target) && !NOT_A_SECRET_NAME.test(target) && !seen.some((s) => s.kind !== 'private-key')) {
    const literal = [...line.matchAll(/(["'`])([^"'`\n]*)\1/g)].reverse().find((m) => looksLikeSecretValue(m[2] as string));
    if (literal) seen.push({ kind: 'secret-literal', masked: `${target} = ...${literal[1]}****${literal[1]} (${(literal[2] as string).length} chars)` });
  }
  return seen;
}

/**
 * A literal long and varied enough to be a key or a password: at least 12 characters, no spaces,
 * two kinds of character at least, and not a variable's name, a path, a URL, a placeholder.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 12 || /\s/.test(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value) || /^[a-z][a-z0-9_.]*$/.test(value)) return false; // a name: API_TOKEN, auth.token
  if (/^(\/|\.\/|https?:\/\/|[a-z]+:\/\/[^:@]*$)/.test(value) || /\$\{|\{\{|%\(|%s/.test(value)) return false;
  if (/^(change[-_]?me|your[-_]|replace[-_]|example|dummy|placeholder|insert[-_])/i.test(value) || PLACEHOLDER.test(value)) return false;
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((k) => k.test(value)).length;
  return kinds >= 2;
}

/** `KEY=value` of an env file, masked when the key or the value is secret: `SECRET_KEY=**** (50 chars)`. */
export function maskedEnvValue(key: string, value: string): { masked: string; secret: boolean } {
  const inUrl = secretsIn(value, { keys: false }).find((s) => s.kind === 'credentialed-url');
  if (inUrl) return { masked: `${key}=${inUrl.masked}`, secret: true };
  if (SECRET_NAME.test(key) && !NOT_A_SECRET_NAME.test(key) && value !== '' && !PLACEHOLDER.test(value)) {
    return { masked: `${key}=**** (${value.length} chars)`, secret: true };
  }
  return { masked: `${key}=****`, secret: false };
}
