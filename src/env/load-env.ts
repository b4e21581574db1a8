// Loads env files in order on top of the inherited environment: parse each file, expand each
// value against what the child will really see so far, then apply precedence per key.

import type { Diagnostic } from '../errors.js';
import { expandValue, type ExpandMode } from './expand.js';
import { clip, envValueProblem, MAX_VALUE_BYTES, totalProblem } from './limits.js';
import { parseDotenv, type DotenvEntry } from './parse-dotenv.js';
import { resolvePrecedence, type Definition } from './precedence.js';
import type { EnvOptions, EnvVar, LoadedEnv } from './types.js';

export interface EnvFile {
  /** Shown in diagnostics and `--explain` (e.g. `.env.local`). */
  path: string;
  text: string;
}

/**
 * The variables the files define, in first-definition order, each with the value the child will
 * see and where it came from. Never throws: problems are diagnostics (warnings when lenient, and
 * the offending line is skipped either way).
 *
 * References (`$A`, `${A}`) see the files loaded so far and the inherited environment, resolved by
 * the same precedence as the final result; a single pass top to bottom, so a reference to a key
 * defined further down sees only the environment.
 */
export function loadEnv(
  files: readonly EnvFile[],
  inherited: Record<string, string | undefined>,
  opts: EnvOptions,
): LoadedEnv {
  const definitions = new Map<string, Definition[]>();
  const diagnostics: Diagnostic[] = [];
  const inheritedValue = (key: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(inherited, key) ? inherited[key] : undefined;
  const lookup = (name: string): string | undefined =>
    resolvePrecedence(definitions.get(name) ?? [], inheritedValue(name), opts.override)?.value;

  let totalBytes = 0;
  for (const file of files) {
    const parsed = parseDotenv(file.text, file.path, { lenient: opts.lenient });
    diagnostics.push(...parsed.diagnostics);
    for (const entry of parsed.entries) {
      const value = entryValue(entry, definitions.has(entry.key), inheritedValue(entry.key), lookup, opts);
      if (value === undefined) continue;
      // A bare KEY copies a value dozen itself was given: it fits.
      const bytes = typeof value === 'string' && entry.kind === 'assign' ? Buffer.byteLength(value) : 0;
      const problem =
        typeof value === 'object'
          ? `${clip(entry.key)}: ${value.message}`
          : bytes > 0
            ? (envValueProblem(entry.key, value) ?? totalProblem(entry.key, totalBytes + bytes))
            : undefined;
      if (typeof value === 'object' || problem !== undefined) {
        diagnostics.push({ severity: opts.lenient ? 'warning' : 'error', file: file.path, line: entry.line, message: problem ?? clip(entry.key) });
        continue;
      }
      totalBytes += bytes;
      const definition: Definition = { value, file: file.path, line: entry.line };
      if (entry.kind === 'bare') definition.fromInherited = true;
      const list = definitions.get(entry.key);
      if (list) list.push(definition);
      else definitions.set(entry.key, [definition]);
    }
  }

  const vars: EnvVar[] = [];
  for (const [key, list] of definitions) {
    const resolution = resolvePrecedence(list, inheritedValue(key), opts.override);
    if (resolution) vars.push({ key, ...resolution });
  }
  return { vars, diagnostics };
}

/**
 * The value one entry defines: a string, undefined when the entry defines nothing (a bare key
 * that is not in the environment, or `export KEY` after KEY was already set), or an error.
 */
function entryValue(
  entry: DotenvEntry,
  alreadyDefined: boolean,
  inherited: string | undefined,
  lookup: (name: string) => string | undefined,
  opts: EnvOptions,
): string | undefined | { message: string } {
  switch (entry.kind) {
    case 'bare':
      // `export KEY` after `KEY=...` only marks it for export, as in sh.
      if (entry.exported && alreadyDefined) return undefined;
      return inherited;
    case 'assign': {
      if (entry.quote === 'single' || entry.quote === 'backtick') return entry.raw;
      const mode: ExpandMode = entry.quote === 'double' ? 'double' : 'unquoted';
      const result = expandValue(entry.raw, { mode, expand: opts.expand, lookup, maxLength: MAX_VALUE_BYTES });
      return result.ok ? result.value : { message: result.message };
    }
  }
}
