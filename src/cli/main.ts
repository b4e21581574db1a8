#!/usr/bin/env node
// The only place that prints errors and sets process.exitCode.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { DozenError, ExitCode } from '../errors.js';
import { commands } from './commands/index.js';
import { version } from './version.js';

export function buildProgram(): Command {
  const program = new Command('dozen')
    .description('Run any app the twelve-factor way: Procfile and .env, supervised, logged, exported.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (help, version or a usage error).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return ExitCode.ok;
    }
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
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
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err);
    },
  );
}
