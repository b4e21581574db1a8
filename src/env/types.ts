import type { Diagnostic } from '../errors.js';

/** Where a variable's final value came from. */
export type EnvSource =
  | { type: 'file'; file: string; line: number }
  | { type: 'inherited' }
  /** A release's snapshot of the app's config store (`v4`). */
  | { type: 'config-store'; release: string };

export interface EnvVar {
  key: string;
  /** The value the child process will see. */
  value: string;
  source: EnvSource;
  /**
   * Set when an env file defines the key but the inherited environment won: the definition that
   * lost, with the value it would have given (never print it: it may be a secret).
   */
  shadowed?: { file: string; line: number; value: string };
}

export interface EnvOptions {
  /** Let the env files win over the inherited environment (default: inherited wins). */
  override: boolean;
  /** Expand $VAR references (default true). */
  expand: boolean;
  /** Warn and skip bad lines instead of failing (default false). */
  lenient: boolean;
}

/** The app's config: the keys the env files define, with the values the children get. */
export interface LoadedEnv {
  /** In first-definition order. */
  vars: EnvVar[];
  diagnostics: Diagnostic[];
}
