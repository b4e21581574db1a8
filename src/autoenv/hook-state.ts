// What the shell hook remembers between prompts, kept in one exported variable (DOZEN_HOOK) so a
// nested shell inherits it: which app is loaded, the value every key it set had before (null:
// unset), and which notices were already printed. Pure.

/** The variable holding the state, as JSON. Never loaded from an env file. */
export const STATE_VARIABLE = 'DOZEN_HOOK';

export interface LoadedFile {
  /** As written in DOZEN_ENV (`.env`). */
  name: string;
  sha256: string;
}

export interface HookState {
  /** The loaded app's folder, when one is loaded. */
  root?: string;
  /** Its env files, with the content that was loaded. */
  files?: LoadedFile[];
  /** For every key the loaded app set: its value before (null when it was unset). */
  saved: Record<string, string | null>;
  /** A fingerprint of the notices last printed, so each is printed once per change. */
  reported?: string;
}

const EMPTY: HookState = { saved: {} };

/** The state in `text` (the variable's value); an absent or damaged one counts as empty. */
export function parseHookState(text: string | undefined): HookState {
  if (text === undefined || text === '') return EMPTY;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return EMPTY; // not ours to fail on: the next change writes a good one
  }
  if (typeof data !== 'object' || data === null) return EMPTY;
  const { root, files, saved, reported } = data as Record<string, unknown>;
  const state: HookState = { saved: {} };
  if (typeof saved === 'object' && saved !== null) {
    for (const [key, value] of Object.entries(saved)) {
      if (typeof value === 'string' || value === null) state.saved[key] = value;
    }
  }
  if (typeof root === 'string') state.root = root;
  if (Array.isArray(files)) {
    state.files = files.filter(
      (f): f is LoadedFile => typeof f === 'object' && f !== null && typeof f.name === 'string' && typeof f.sha256 === 'string',
    );
  }
  if (typeof reported === 'string') state.reported = reported;
  return state;
}

/** The variable's new value, or undefined when there is nothing to remember (unset it). */
export function formatHookState(state: HookState): string | undefined {
  if (state.root === undefined && state.reported === undefined && Object.keys(state.saved).length === 0) return undefined;
  return JSON.stringify(state);
}

/** The environment as it was before the loaded app: every key it set put back as it was. */
export function baseEnv(current: Record<string, string | undefined>, state: HookState): Record<string, string | undefined> {
  const base = { ...current };
  delete base[STATE_VARIABLE];
  for (const [key, value] of Object.entries(state.saved)) {
    if (value === null) delete base[key];
    else base[key] = value;
  }
  return base;
}
