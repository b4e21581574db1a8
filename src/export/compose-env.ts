// Values for a compose env_file. Two parsers read these files: `docker compose` (compose-go) and
// Debian's docker-compose 1.x (python-dotenv, with `${...}` interpolation). In single quotes both
// keep text verbatim except: 1.x expands `${...}` and unescapes `\\` and `\'`, compose-go
// unescapes `\'`, and neither can close a value ending in `\`. A value avoiding those (and control
// characters other than tab and newline) reads back exactly in both; the others go elsewhere.

/** `'value'` when every compose parser reads it back unchanged, else undefined. */
export function composeEnvFileValue(value: string): string | undefined {
  if (/['\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) return undefined;
  if (value.includes('${') || value.includes('\\\\') || value.endsWith('\\')) return undefined;
  return `'${value}'`;
}

/** Text inside compose.yaml is interpolated: `$` must be written `$$` to stay a `$`. */
export function composeLiteral(text: string): string {
  return text.replace(/\$/g, '$$$$');
}
