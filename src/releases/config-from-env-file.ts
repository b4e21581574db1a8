// `dozen config import FILE`: the values a .env file gives, read by the same parser and expansion
// as `dozen start` (each value as `dozen env --override -e FILE` shows it), checked against the
// config store's key rule. All or nothing: the first problem is an error naming FILE:LINE.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { diagnosticError, errnoText, shownFrom } from '../app/load-app.js';
import { loadEnv } from '../env/load-env.js';
import { parseDotenv } from '../env/parse-dotenv.js';
import { DozenError } from '../errors.js';
import { isConfigKey } from './config-store.js';

export interface EnvFileImportOptions {
  /** The folder `file` is relative to, and messages show paths from. */
  cwd: string;
  /** What `$VAR` references and bare keys (`KEY` alone on its line) fall back to. */
  inherited: Record<string, string | undefined>;
  /** Expand `$VAR` references (default true). */
  expand?: boolean;
}

export interface EnvFileConfig {
  /** Key -> value, in the file's order. */
  values: Record<string, string>;
  /** `FILE:LINE: ...` for keys that define nothing (a bare key the environment does not set). */
  warnings: string[];
}

/** Reads the .env file `file` as config: its keys win over `inherited`, which only fills gaps. */
export function configFromEnvFile(file: string, opts: EnvFileImportOptions): EnvFileConfig {
  const path = resolve(opts.cwd, file);
  const shown = shownFrom(opts.cwd, path);
  const text = readEnvFile(path, shown);
  const env = loadEnv([{ path: shown, text }], opts.inherited, { override: true, expand: opts.expand ?? true, lenient: false });
  const error = env.diagnostics.find((d) => d.severity === 'error');
  if (error) throw diagnosticError(error, 'env');

  const values = new Map<string, string>();
  for (const v of env.vars) {
    if (!isConfigKey(v.key)) {
      const line = v.source.type === 'file' ? v.source.line : undefined;
      throw new DozenError('env', `${JSON.stringify(v.key)} cannot be a config key: keys are letters, digits and "_", not starting with a digit`, {
        location: line === undefined ? { file: shown } : { file: shown, line },
        hint: 'Rename it in the file.',
      });
    }
    values.set(v.key, v.value);
  }
  const warnings = parseDotenv(text, shown, { lenient: true })
    .entries.filter((e) => e.kind === 'bare' && !values.has(e.key))
    .map((e) => `${shown}:${e.line}: ${e.key} has no value in the file and is not set in the environment; not imported`);
  return { values: Object.fromEntries(values), warnings };
}

function readEnvFile(path: string, shown: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errnoText(err);
    throw new DozenError('env', `cannot read env file ${shown}: ${problem}`);
  }
}
