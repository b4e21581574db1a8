#!/usr/bin/env node
// The only place that prints errors and sets process.exitCode.
// First: puts back the NODE_EXTRA_CA_CERTS that bin/dozen set aside, before anything reads the env.
import './launcher-env.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Help, type Option } from 'commander';
import { DozenError, ExitCode, storageError } from '../errors.js';
import { commandsFor } from './commands/index.js';
import { outlivesStdout, takeExitStatus, takeSignalToRaise } from './exit-status.js';
import { readEnvValuesStrictly } from './options.js';
import { version } from './version.js';

/** The program with the commands a command line needs (all of them when `args` is not given). */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
  // The command being parsed, so a usage error can point at the right --help.
  let active: Command | undefined;
  const program: Command = new Command('dozen')
    .description('Run any app the twelve-factor way: Procfile and .env, supervised, logged, exported.')
    .version(version, '-V, --version')
    .usage('<command> [options]')
    // Options after a command's first argument belong to that argument (`dozen run ls -la`);
    // commands that want that call .passThroughOptions(), which needs this on the program.
    .enablePositionalOptions()
    .configureHelp({ showGlobalOptions: true, optionDescription })
    .configureOutput({ outputError: (text, write) => write(usageLine(text, active ?? program)) })
    .exitOverride();
  for (const register of await commandsFor(args)) register(program);
  // At every level, so `dozen config set` points at its own help too.
  const track = (cmd: Command): void => {
    if (cmd.commands.length === 0) return;
    cmd.hook('preSubcommand', (_parent, sub) => {
      active = sub;
    });
    cmd.commands.forEach(track);
  };
  track(program);
  readEnvValuesStrictly(program);
  return program;
}

/**
 * Commander's option help, with a default written in the description (`(default: .env if
 * present)`, for defaults that are not a plain value) merged into its `(env: ...)` note.
 */
function optionDescription(this: Help, option: Option): string {
  return Help.prototype.optionDescription.call(this, option).replace(/ \(default: ([^()]*)\) \(([^()]*)\)$/, ' (default: $1, $2)');
}

/** Commander's `error: ...` message (sometimes two lines) as one `dozen: ...` line. */
function usageLine(text: string, cmd: Command): string {
  const message = text.replace(/^error: /, '').trim().split(/\s*\n\s*/).join(' ');
  return `dozen: ${message} (see "${commandPath(cmd)} --help")\n`;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync(argv);
    const status = takeExitStatus();
    if (status !== undefined) return status;
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed the help, the version or the one-line usage error.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const storage = storageError(err);
  if (storage) return reportError(storage);
  if (err instanceof DozenError) {
    process.stderr.write(`dozen: ${err.oneLine()}\n`);
    if (process.env.DOZEN_DEBUG === '1' && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`dozen: internal error: ${message.split('\n')[0]} (set DOZEN_DEBUG=1 for details)\n`);
  if (process.env.DOZEN_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.failure;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false; // argv[1] is not a file (node -e): we were imported, not run
  }
}

const invokedDirectly = isEntryPoint();
if (invokedDirectly) {
  // `dozen env | head -1`: the reader went away; stop quietly like any Unix filter. `dozen start`
  // goes on (its printer drops what it can no longer write): it stops as the signal that came
  // asks, stores every line and cleans up.
  const onOutputGone = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    if (!outlivesStdout()) process.exit(ExitCode.ok);
  };
  process.stdout.on('error', onOutputGone);
  process.stderr.on('error', onOutputGone);
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
      // `dozen run` whose command died of Ctrl-C ends the same way, so a calling shell script
      // stops too (shells only stop a script for a child that itself died of SIGINT).
      const signal = takeSignalToRaise();
      if (signal !== undefined) process.kill(process.pid, signal);
    },
    (err: unknown) => {
      process.exitCode = reportError(err);
    },
  );
}
