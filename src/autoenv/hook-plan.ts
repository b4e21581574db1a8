// One step of the shell hook, pure: given the shell's environment, what the hook remembers and
// what the current folder's app allows, which variables to set or unset, what to remember next and
// which lines to print. Loading an app and leaving it are the same computation: the target is the
// environment from before any app (the saved values put back) plus the current app's config.
import { createHash } from 'node:crypto';
import { loadEnv } from '../env/load-env.js';
import { isShellName } from '../env/shell-quote.js';
import { formatDiagnostic } from '../errors.js';
import { baseEnv, type HookState, type LoadedFile, STATE_VARIABLE } from './hook-state.js';

/** The app of the current folder, as far as the approvals go. */
export type AppCheck =
  | { type: 'none' }
  /** Some of its env files are new or changed since `dozen allow` (`blocked` names them). */
  | { type: 'blocked'; root: string; files: LoadedFile[]; blocked: string[] }
  | { type: 'allowed'; root: string; files: (LoadedFile & { text: string })[] };

export type EnvChange = { type: 'set'; key: string; value: string } | { type: 'unset'; key: string };

export interface HookPlan {
  changes: EnvChange[];
  state: HookState;
  /** Lines for stderr, without the `dozen: ` prefix. */
  messages: string[];
}

export interface HookPlanOptions {
  expand: boolean;
  lenient: boolean;
}

/** Keys the shell keeps for itself (or the hook for its state): never set from a file. */
const RESERVED = new Set([STATE_VARIABLE, 'PWD', 'OLDPWD', 'SHLVL', '_']);

/** How many keys a `loaded` line names before it says how many more. */
const KEYS_SHOWN = 8;

export function planHook(
  current: Record<string, string | undefined>,
  previous: HookState,
  check: AppCheck,
  opts: HookPlanOptions,
): HookPlan {
  const base = baseEnv(current, previous);
  const notices: string[] = [];
  let loaded: Map<string, string> | undefined;
  if (check.type === 'blocked') {
    const names = check.blocked.join(', ');
    const verb = check.blocked.length === 1 ? 'is' : 'are';
    notices.push(`${names} in ${check.root} ${verb} blocked: run "dozen allow" to load it`);
  } else if (check.type === 'allowed') {
    loaded = loadConfig(check, base, opts, notices);
  }

  const keys = new Set([...Object.keys(previous.saved), ...(loaded?.keys() ?? [])]);
  const changes: EnvChange[] = [];
  for (const key of keys) {
    const target = loaded?.has(key) ? loaded.get(key) : base[key];
    if (target === current[key]) continue;
    changes.push(target === undefined ? { type: 'unset', key } : { type: 'set', key, value: target });
  }

  const state: HookState = { saved: {} };
  if (loaded !== undefined && check.type === 'allowed') {
    state.root = check.root;
    state.files = check.files.map(({ name, sha256 }) => ({ name, sha256 }));
    for (const key of loaded.keys()) state.saved[key] = base[key] ?? null;
  }
  const messages = transitions(previous, state, loaded);
  if (notices.length > 0) {
    const files = check.type === 'none' ? [] : check.files;
    state.reported = fingerprint([check.type, check.type === 'none' ? '' : check.root, files, notices]);
    if (state.reported !== previous.reported) messages.push(...notices);
  }
  return { changes, state, messages };
}

/** The app's config (files win over the shell, as it is the point of entering the folder). */
function loadConfig(
  check: Extract<AppCheck, { type: 'allowed' }>,
  base: Record<string, string | undefined>,
  opts: HookPlanOptions,
  notices: string[],
): Map<string, string> | undefined {
  const files = check.files.map((f) => ({ path: `${check.root}/${f.name}`, text: f.text }));
  const env = loadEnv(files, base, { override: true, ...opts });
  const error = env.diagnostics.find((d) => d.severity === 'error');
  if (error) {
    notices.push(`${formatDiagnostic(error)} (nothing loaded)`);
    return undefined;
  }
  for (const d of env.diagnostics) notices.push(formatDiagnostic(d));
  const loaded = new Map<string, string>();
  for (const v of env.vars) {
    const source = v.source.type === 'file' ? `${v.source.file}:${v.source.line}` : check.root;
    if (!isShellName(v.key)) notices.push(`${source}: ${v.key} is not a valid shell variable name; not loaded`);
    else if (RESERVED.has(v.key)) notices.push(`${source}: ${v.key} belongs to the shell; not loaded`);
    else loaded.set(v.key, v.value);
  }
  return loaded;
}

/** `unloaded ...`, `loaded ...`: said when the loaded app or its files' content change. */
function transitions(previous: HookState, next: HookState, loaded: Map<string, string> | undefined): string[] {
  const before = previous.root === undefined ? undefined : fingerprint([previous.root, previous.files ?? []]);
  const after = next.root === undefined ? undefined : fingerprint([next.root, next.files ?? []]);
  if (before === after) return [];
  const lines: string[] = [];
  const reload = previous.root !== undefined && previous.root === next.root;
  if (previous.root !== undefined && !reload) lines.push(`unloaded ${fileNames(previous)} in ${previous.root}`);
  if (next.root !== undefined && loaded !== undefined) {
    const keys = [...loaded.keys()];
    const shown = keys.length === 0 ? 'no variables' : keys.slice(0, KEYS_SHOWN).join(', ');
    const more = keys.length > KEYS_SHOWN ? ` and ${keys.length - KEYS_SHOWN} more` : '';
    lines.push(`${reload ? 'reloaded' : 'loaded'} ${fileNames(next)} in ${next.root}: ${shown}${more}`);
  }
  return lines;
}

function fileNames(state: HookState): string {
  return (state.files ?? []).map((f) => f.name).join(', ');
}

function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
