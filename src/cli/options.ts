// Flags shared by several commands. Every flag is also settable as DOZEN_<FLAG> (overmind's habit).
import { Option, type Command } from 'commander';

/** `--env-lenient` -> `DOZEN_ENV_LENIENT`. */
export function envNameFor(long: string): string {
  return `DOZEN_${long.replace(/^--(no-)?/, '').replace(/-/g, '_').toUpperCase()}`;
}

/** An Option whose value can also come from DOZEN_<FLAG>. */
export function flag(flags: string, description: string, defaultValue?: string | boolean | string[]): Option {
  const long = flags.split(/[ ,|]+/).find((f) => f.startsWith('--'));
  const option = new Option(flags, description);
  if (long) option.env(envNameFor(long));
  if (defaultValue !== undefined) option.default(defaultValue);
  return option;
}

/** Where the app is and how its config is read: used by every command that loads an app. */
export function addAppOptions(cmd: Command): Command {
  return cmd
    .addOption(flag('-f, --procfile <path>', 'Procfile to use', 'Procfile'))
    .addOption(flag('-d, --root <dir>', 'app root, the working directory of processes (default: the Procfile\'s folder)'))
    .addOption(flag('-e, --env <files>', 'env files, comma-separated; later files win (default: .env if present)'))
    .addOption(flag('--override', 'let env files win over the inherited environment', false))
    .addOption(flag('--no-expand', 'do not expand $VAR references in env files'))
    .addOption(flag('--env-lenient', 'warn about and skip bad env lines instead of failing', false))
    .addOption(flag('--strict', 'treat Procfile warnings as errors and apply Heroku\'s name rules', false));
}

/** Which instances run and on which ports. */
export function addFormationOptions(cmd: Command): Command {
  return cmd
    .addOption(flag('-m, --formation <spec>', 'instances per type, e.g. web=2,worker=1 or all=2 (default: all=1)'))
    .addOption(flag('-p, --port <n>', 'base port (default: $PORT, then .env PORT, then 5000)'));
}

/** Options as commander hands them to actions, after addAppOptions/addFormationOptions. */
export interface AppCliOptions {
  procfile: string;
  root?: string;
  env?: string;
  override: boolean;
  expand: boolean;
  envLenient: boolean;
  strict: boolean;
  formation?: string;
  port?: string;
}
