// app.json, Heroku's manifest of an app, as Dokku reads its `healthchecks`: per process type, a
// list of checks; dozen takes the first `startup` check of `web` that has a `path` as the web
// instances' health path (see docs/supervision.md#health-checks). Other types' checks, and other
// kinds of checks (`uptime`, `listening`, `command`), are not run. The file is optional.
import { createRequire } from 'node:module';
import { DozenError, type Location } from '../errors.js';

export const APP_JSON = 'app.json';

/** The type whose health path dozen reads (the only one that gets traffic). */
const HEALTH_TYPE = 'web';

/** Health paths by process type, from an app.json text; `file` is how messages name it. */
export function healthPathsOf(text: string, file: string): Record<string, string> {
  const manifest = parseJson(text, file);
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new DozenError('config', `expected a JSON object, got ${Array.isArray(manifest) ? 'an array' : JSON.stringify(manifest)}`, { location: { file } });
  }
  // Most app.json files name no health checks: those never load zod (~12 MB).
  if (!('healthchecks' in manifest)) return {};
  const { z } = loadZod();
  const seconds = z.number().nonnegative().optional();
  const check = z.looseObject({
    type: z.string().optional(),
    name: z.string().optional(),
    path: z.string().optional(),
    content: z.string().optional(),
    attempts: z.number().int().nonnegative().optional(),
    timeout: seconds,
    wait: seconds,
    initialDelay: seconds,
  });
  const parsed = z.looseObject({ healthchecks: z.record(z.string(), z.array(check)) }).safeParse(manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = (issue?.path ?? []).map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
    throw new DozenError('config', `${where}: ${issue?.message ?? 'not valid'}`, { location: { file } });
  }
  const checks = parsed.data.healthchecks[HEALTH_TYPE] ?? [];
  const index = checks.findIndex((c) => (c.type ?? 'startup') === 'startup' && c.path !== undefined);
  const path = checks[index]?.path;
  if (path === undefined) return {};
  const problem = healthPathProblem(path);
  if (problem !== undefined) throw new DozenError('config', `healthchecks.${HEALTH_TYPE}[${index}].path: ${problem}`, { location: { file } });
  return { [HEALTH_TYPE]: path };
}

/** Why `path` cannot be a health path (it must start with `/`), or undefined if it can. */
export function healthPathProblem(path: string): string | undefined {
  if (path.startsWith('/') && !/[\s]/.test(path)) return undefined;
  return `expected a path starting with "/" and without spaces, got ${JSON.stringify(path)}`;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    // V8 gives the position of some errors only; the end of the text is where an unfinished one is.
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : message.startsWith('Unexpected end') ? text.length : undefined;
    const what = message.replace(/ in JSON at position \d+.*$/, '');
    throw new DozenError('config', `not valid JSON: ${what}`, { location: offset === undefined ? { file } : lineAndColumn(file, text, offset) });
  }
}

/** Where character `offset` of `text` is, 1-based. */
function lineAndColumn(file: string, text: string, offset: number): Location {
  const before = text.slice(0, offset).split('\n');
  return { file, line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/**
 * zod, loaded when first needed and synchronously (loadApp is synchronous). In the bundle
 * `require` is esbuild's, which shares the copy the control protocol loads on demand; from
 * dist/src (tests) it is Node's.
 */
function loadZod(): typeof import('zod') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return typeof require === 'function' ? require('zod') : createRequire(import.meta.url)('zod');
}
