import type { Command } from 'commander';

type Register = (program: Command) => void;
type Loader = () => Promise<{ register: Register }>;

// Command modules load lazily: `dozen start` must not pay (in start-up time and in memory, for as
// long as the formation runs) for the exporters, the log reader or the parsers of other commands.
const start: Loader = () => import('./start.js');
const check: Loader = () => import('./check.js');
const env: Loader = () => import('./env.js');
const run: Loader = () => import('./run.js');
const control: Loader = () => import('./control.js');
const logs: Loader = () => import('./logs.js');
const exportCmd: Loader = () => import('./export.js');
const config: Loader = () => import('./config.js');
const releases: Loader = () => import('./releases.js');
const build: Loader = () => import('./build.js');
const dashboard: Loader = () => import('./dashboard.js');
const doctor: Loader = () => import('./doctor.js');
const hook: Loader = () => import('./hook.js');

/** Every command module, in the order of `dozen --help`. */
const ALL: Loader[] = [start, check, env, run, control, dashboard, logs, exportCmd, config, build, releases, doctor, hook];

/** The module that registers each command name. */
const BY_NAME: Record<string, Loader> = {
  start,
  check,
  env,
  run,
  ps: control,
  restart: control,
  stop: control,
  scale: control,
  quit: control,
  dashboard,
  logs,
  export: exportCmd,
  config,
  'config:set': config,
  'config:unset': config,
  'config:get': config,
  releases,
  deploy: releases,
  release: releases,
  rollback: releases,
  'git-remote': releases,
  build,
  doctor,
  hook,
  'hook-export': hook,
  allow: hook,
  deny: hook,
};

/**
 * The register functions to call for a command line (all of them when `args` is not given): only
 * the named command's module when the first word is a known command, none for a bare `--version`,
 * every module otherwise (help, an unknown command).
 */
export async function commandsFor(args?: readonly string[]): Promise<Register[]> {
  const name = args === undefined ? undefined : commandNameIn(args);
  const loader = name === undefined ? undefined : BY_NAME[name];
  const versionOnly = args !== undefined && name === undefined && args.some((a) => a === '-V' || a === '--version');
  const loaders = loader ? [loader] : versionOnly ? [] : ALL;
  const modules = await Promise.all(loaders.map((load) => load()));
  return modules.map((m) => m.register);
}

/** The first word of a command line that is not an option: the command's name, if any. */
export function commandNameIn(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}
