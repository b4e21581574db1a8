// The app's config store (factor III, as `heroku config`): KEY=VALUE pairs kept in the state folder
// as `config.json` (0600, written atomically), the config a release is made with. Changes take
// `config.lock`, so two `dozen config set` at once both land. Values are secrets: no message here
// ever holds one.
import { join } from 'node:path';
import { errnoText } from '../app/load-app.js';
import { envValueProblem } from '../env/limits.js';
import { isShellName } from '../env/shell-quote.js';
import { DozenError } from '../errors.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { withFileLock } from '../platform/file-lock.js';
import { readPrivateFile } from '../platform/private-files.js';

export interface ConfigStore {
  /** `<stateDir>/config.json`. */
  readonly path: string;
  /** The stored config, keys sorted; empty when nothing was ever set. */
  read(): Record<string, string>;
  /** Sets (adds or replaces) these keys; returns the new full config. */
  set(values: Record<string, string>): Record<string, string>;
  /** Removes these keys; returns the new full config and which of the keys were there. */
  unset(keys: string[]): { config: Record<string, string>; removed: string[] };
}

const FILE = 'config.json';
const LOCK = 'config.lock';
const VERSION = 1;
const KEY_RULE = 'letters, digits and "_", not starting with a digit';
const DAMAGED_HINT = '(restore it, or remove it to start from an empty config)';

/** Keys dozen gives every process itself: a stored value is overridden, so setting one warrants a warning. */
export const INSTANCE_KEYS: readonly string[] = ['PORT', 'PS', 'DYNO'];

/** The config store of the app whose state folder (`ensureStateDir(root)`) is `stateDir`. */
export function configStore(stateDir: string): ConfigStore {
  const path = join(stateDir, FILE);
  const lock = join(stateDir, LOCK);
  const update = (change: (config: Map<string, string>) => void): Record<string, string> =>
    withFileLock(
      lock,
      () => {
        const config = new Map(Object.entries(readStore(path)));
        change(config);
        const sorted = Object.fromEntries([...config].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        writeFileAtomic(path, `${JSON.stringify({ version: VERSION, config: sorted }, null, 2)}\n`, 0o600);
        return sorted;
      },
      { what: 'the config store' },
    );

  return {
    path,
    read: () => readStore(path),
    set(values) {
      const entries = Object.entries(values);
      for (const [key, value] of entries) {
        requireConfigKey(key);
        if (typeof value !== 'string') throw new TypeError(`config value of ${key} is not a string`);
      }
      return update((config) => {
        for (const [key, value] of entries) config.set(key, value);
      });
    },
    unset(keys) {
      for (const key of keys) requireConfigKey(key);
      const removed: string[] = [];
      const config = update((current) => {
        for (const key of new Set(keys)) if (current.delete(key)) removed.push(key);
      });
      return { config, removed };
    },
  };
}

/** A config key is an environment variable name every program can read: `[A-Za-z_][A-Za-z0-9_]*`. */
export function isConfigKey(key: string): boolean {
  return isShellName(key);
}

/** Throws a usage error naming `key` when it is not a config key. */
export function requireConfigKey(key: string): void {
  if (!isConfigKey(key)) throw new DozenError('usage', `expected a config key (${KEY_RULE}), got ${JSON.stringify(key)}`);
}

/**
 * `KEY=VALUE` arguments (`dozen config set A=1 B=x=y C=`) as an object; a later KEY wins. A bad
 * argument is a usage error naming it by position and showing at most its key, never its value.
 */
export function parseConfigAssignments(args: string[]): Record<string, string> {
  const values = new Map<string, string>();
  args.forEach((arg, i) => {
    const eq = arg.indexOf('=');
    const where = `argument ${i + 1}`;
    if (eq === -1) throw new DozenError('usage', `${where}: expected KEY=VALUE, got a word with no "="`);
    const key = arg.slice(0, eq);
    if (!isConfigKey(key)) {
      // The key is shown only when it looks like one: a mistyped argument may be mostly value
      // (`URL postgres://u:pw@h/db?a=b`), which must not be echoed.
      const shownKey = /^[^\s:/@?#&]{0,40}$/.test(key) ? `, got ${JSON.stringify(`${key}=`)}...` : '';
      throw new DozenError('usage', `${where}: expected KEY=VALUE with a KEY of ${KEY_RULE}${shownKey}`);
    }
    const problem = envValueProblem(key, arg.slice(eq + 1));
    if (problem !== undefined) throw new DozenError('usage', `${where}: ${problem}`);
    values.set(key, arg.slice(eq + 1));
  });
  return Object.fromEntries(values);
}

/** The stored config; `{}` when there is no file yet. Throws a one-line DozenError for a damaged file. */
function readStore(path: string): Record<string, string> {
  let text: string;
  try {
    text = readPrivateFile(path);
  } catch (err) {
    if (err instanceof DozenError) throw err; // a link, refused
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new DozenError('config', `cannot read the config store ${path}: ${errnoText(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a value: not shown.
    throw damaged(path, 'it is not valid JSON');
  }
  if (!isObject(data) || !('config' in data) || !isObject(data.config)) {
    throw damaged(path, `expected {"version": ${VERSION}, "config": {...}}`);
  }
  if (data.version !== VERSION) {
    const newer = typeof data.version === 'number' && data.version > VERSION;
    if (newer) throw new DozenError('config', `${path}: written by a newer dozen (format version ${data.version}); upgrade dozen to read it`);
    throw damaged(path, `expected "version": ${VERSION}`);
  }
  const config = new Map<string, string>();
  for (const [key, value] of Object.entries(data.config)) {
    if (!isConfigKey(key)) throw damaged(path, `${JSON.stringify(key)} is not a config key`);
    if (typeof value !== 'string') throw damaged(path, `the value of ${key} is not a string`);
    config.set(key, value);
  }
  return Object.fromEntries(config);
}

function damaged(path: string, problem: string): DozenError {
  return new DozenError('config', `${path}: damaged config store: ${problem}`, { hint: DAMAGED_HINT });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
