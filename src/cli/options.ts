// Flags shared by several commands. Every flag is also settable as DOZEN_<FLAG> (overmind's habit).
import { Option, type Command } from 'commander';
import { DozenError } from '../errors.js';

/** `--env-lenient` -> `DOZEN_ENV_LENIENT`, `--no-expand` -> `DOZEN_NO_EXPAND`: the flag, spelt as a variable. */
export function envNameFor(long: string): string {
  return `DOZEN_${long.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/** An Option whose value can also come from DOZEN_<FLAG>. */
export function flag(flags: string, description: string, defaultValue?: string | boolean | string[]): Option {
  const long = flags.split(/[ ,|]+/).find((f) => f.startsWith('--'));
  const option = new Option(flags, description);
  if (long) option.env(envNameFor(long));
  // A number is shown as one (`(default: 5)`), not as the string commander holds (`"5"`).
  if (defaultValue !== undefined) option.default(defaultValue, typeof defaultValue === 'string' && /^\d+(\.\d+)?$/.test(defaultValue) ? defaultValue : undefined);
  return option;
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

/** `DOZEN_OVERRIDE=1` / `=true` / `=yes` / `=on` sets a boolean flag; `0`, `false`, `no`, `off` leave it unset. */
export function parseBooleanEnv(envVar: string, text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new DozenError('usage', `${envVar}: expected one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}, got "${text}"`);
}

/**
 * Commander sets a boolean flag whenever its variable exists, whatever the value (so
 * `DOZEN_OVERRIDE=0` would turn it on), and takes an empty variable as a value. This fixes both
 * for every option of `cmd` and its subcommands, right after commander applies the variable (so
 * before conflicts are checked): booleans read the value (`--no-expand` with `DOZEN_NO_EXPAND=1`
 * turns expansion off), and an empty variable counts as unset. main.ts calls it once all
 * commands are registered.
 */
export function readEnvValuesStrictly(cmd: Command, env: NodeJS.ProcessEnv = process.env): void {
  for (const option of cmd.options) {
    const envVar = option.envVar;
    if (envVar === undefined) continue;
    const key = option.attributeName();
    // Runs after commander's own listener for the same event, which registered first.
    cmd.on(`optionEnv:${option.name()}`, () => {
      const text = env[envVar] ?? '';
      // isBoolean() is false for negated flags, so test for "takes no value" directly.
      if (!option.required && !option.optional) {
        const on = text.trim() === '' ? false : parseBooleanEnv(envVar, text);
        // A negated flag (`--no-expand`) being "on" means its value is false.
        if (on) cmd.setOptionValueWithSource(key, !option.negate, 'env');
        else cmd.setOptionValueWithSource(key, option.negate ? true : option.defaultValue, 'default');
      } else if (text === '') {
        cmd.setOptionValueWithSource(key, option.defaultValue, 'default');
      }
    });
  }
  for (const sub of cmd.commands) readEnvValuesStrictly(sub, env);
}

/** `5`, `2.5s`, `500ms`, `2m` -> milliseconds; a usage error naming the flag otherwise. */
export function parseSeconds(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) throw new DozenError('usage', `${name}: expected a number of seconds, got "${text}" (units: 500ms, 5s, 2m)`);
  const scale = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000;
  return Math.round(Number(m[1]) * scale);
}

/** Where the app is and how its config is read: used by every command that loads an app. */
export function addAppOptions(cmd: Command): Command {
  return cmd
    .addOption(flag('-f, --procfile <path>', 'Procfile to use (default: Procfile in --root, else in the current folder)'))
    .addOption(flag('-d, --root <dir>', 'app root, the working directory of processes (default: the Procfile\'s folder)'))
    .addOption(
      flag('-e, --env <files>', 'env files, comma-separated, relative to the app root; later files win; -e "" reads none (default: .env if present)'),
    )
    .addOption(flag('--override', 'let env files win over the inherited environment', false))
    .addOption(flag('--no-expand', 'do not expand $VAR references in env files'))
    .addOption(flag('--env-lenient', 'warn about and skip bad env lines instead of failing', false))
    .addOption(flag('--strict', 'treat Procfile warnings as errors and apply Heroku\'s name rules', false));
}

/** The app options that read env files: accepted everywhere, but meaningless to a command that reads none. */
const ENV_FILE_OPTIONS = ['--env', '--override', '--no-expand', '--env-lenient', '--strict'];

/**
 * The app options for commands that only find the app (the control commands): -f and -d in the
 * help; the env-file options are still accepted (scripts pass them alike) but not listed.
 */
export function addAppLocationOptions(cmd: Command): Command {
  addAppOptions(cmd);
  for (const option of cmd.options) if (option.long !== undefined && ENV_FILE_OPTIONS.includes(option.long)) option.hideHelp();
  return cmd;
}

/** Which instances run and on which ports. */
export function addFormationOptions(cmd: Command): Command {
  return cmd
    .addOption(flag('-m, --formation <spec>', 'instances per type, e.g. web=2,worker=1 or all=2 (default: all=1)'))
    .addOption(flag('-p, --port <n>', 'base port (default: $PORT as the processes would see it, else 5000)'));
}

/** Options as commander hands them to actions, after addAppOptions/addFormationOptions. */
export interface AppCliOptions {
  /** Undefined when not given: then `Procfile` in the root (or the current folder). */
  procfile?: string;
  root?: string;
  env?: string;
  override: boolean;
  expand: boolean;
  envLenient: boolean;
  strict: boolean;
  formation?: string;
  port?: string;
}
