// `dozen run COMMAND [ARGS...]`: a one-off process with the app's config, in the foreground.
// Like `heroku run`: a Procfile type name runs that type's command (extra args appended), and a
// single argument holding shell syntax (`dozen run 'rake db:migrate && echo done'`) goes to sh.
import type { Command } from 'commander';
import { shellQuote } from '../../env/shell-quote.js';
import { DozenError, unreachable } from '../../errors.js';
import { resolveBasePort } from '../../formation/base-port.js';
import { spawnForeground } from '../../platform/spawn-foreground.js';
import { setExitStatus } from '../exit-status.js';
import type { LoadedApp } from '../../app/load-app.js';
import { planInstances, processTypes } from '../../app/plan.js';
import { loadAppFromCli } from '../app-source.js';
import { addAppOptions, flag, type AppCliOptions } from '../options.js';
import { printWarnings } from '../print.js';

interface RunOptions extends AppCliOptions {
  port?: string;
  release?: boolean | string;
}

/** The shell Procfile commands run in (as `sh -c`). */
export const SHELL = '/bin/sh';

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description("run a one-off command with the app's config, in the foreground; a Procfile type name runs its command")
    .argument('<command>', 'a program, a Procfile process type, or one shell command line in quotes')
    .argument('[args...]', 'its arguments (options here go to the command, not to dozen)')
    // `dozen run ls -la`: everything after COMMAND belongs to it.
    .passThroughOptions();
  addAppOptions(cmd);
  cmd.addOption(flag('-p, --port <n>', "set PORT for the command; a Procfile type gets its first instance's port from this base (default: PORT from the env files or the environment; for a type, else 5000)"));
  cmd.addOption(flag('--release [version]', "run it in a release (current, or vN): in its build folder, with its config"));
  cmd.action(async (command: string, args: string[], opts: RunOptions) => {
    if (command === '') throw new DozenError('usage', 'run: expected a command, got an empty string');
    const app = opts.release === undefined || opts.release === false ? loadAppFromCli(opts, { procfileOptional: true }) : await releaseApp(opts.release, opts);
    printWarnings(app.warnings);

    const target = runTarget(command, args, app);
    const env = runEnvironment(app.inherited, app.config, opts.port);
    const port = typePort(command, app, opts.port);
    if (port !== undefined) env.PORT = String(port);
    const result = await spawnForeground({ ...target, env, cwd: app.root });
    switch (result.type) {
      case 'exit-code':
        setExitStatus(result.code);
        return;
      case 'signal':
        // Interrupted by Ctrl-C: dozen ends by SIGINT too (see main.ts); otherwise 128 + n.
        setExitStatus(result.code, result.signal === 'SIGINT' ? 'SIGINT' : undefined);
        return;
      case 'spawn-error':
        throw spawnError(command, result.reason, result.message, app);
      default:
        unreachable(result);
    }
  });
}

/** The release `--release` names (`true`: the current one), as an app. */
async function releaseApp(spec: true | string, opts: RunOptions): Promise<LoadedApp> {
  const [{ loadRunningRelease }, { controlRoot }] = await Promise.all([import('../running-release.js'), import('./control.js')]);
  return loadRunningRelease(spec === true ? 'current' : spec, controlRoot(opts)).app;
}

/** What to exec: a Procfile type's command, a shell line, or the program itself. */
export function runTarget(command: string, args: string[], app: LoadedApp): { file: string; args: string[] } {
  const entry = app.procfile.entries.find((e) => e.name === command);
  if (entry) return { file: SHELL, args: ['-c', [entry.command, ...args.map(shellQuote)].join(' ')] };
  if (args.length === 0 && looksLikeShell(command)) return { file: SHELL, args: ['-c', command] };
  return { file: command, args };
}

/**
 * The port `dozen start` gives a Procfile type's first instance (`web`: the base port, the next
 * type base + 100, ...), so `dozen run web` listens where `web.1` would; undefined for anything
 * that is not a type with a port (a program, a command line, the release phase).
 */
export function typePort(command: string, app: LoadedApp, portFlag: string | undefined): number | undefined {
  if (!processTypes(app).includes(command)) return undefined;
  return planInstances(app, { formation: `${command}=1`, port: portFlag, types: [command] }).instances[0]?.port;
}

/** A lone argument with blanks or shell syntax in it is a command line, not a program name. */
export function looksLikeShell(command: string): boolean {
  return /[\s|&;<>()$`\\"'*?[\]{}~#!]/.test(command);
}

/**
 * The inherited environment plus the app's config. PORT is whatever that gives (the env files'
 * PORT, or the inherited one, by the usual precedence); `-p` sets it. dozen adds nothing else.
 */
export function runEnvironment(
  inherited: Record<string, string | undefined>,
  config: Record<string, string>,
  portFlag: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined) env[key] = value;
  Object.assign(env, config);
  if (portFlag !== undefined) env.PORT = String(resolveBasePort(portFlag, undefined));
  return env;
}

function spawnError(command: string, reason: 'not-found' | 'not-executable' | 'other', message: string, app: LoadedApp): DozenError {
  switch (reason) {
    case 'not-found': {
      const types = processTypes(app);
      const hint = app.procfileFound && types.length > 0 ? `It is not a Procfile type either (types: ${types.join(', ')}).` : undefined;
      return new DozenError('not-found', `command not found: ${command}${hint ? '.' : ''}`, hint ? { hint } : {});
    }
    case 'not-executable':
      return new DozenError('not-executable', `cannot execute ${command}: permission denied or not a program`);
    case 'other':
      return new DozenError('internal', `cannot run ${command}: ${message}`);
    default:
      return unreachable(reason);
  }
}
