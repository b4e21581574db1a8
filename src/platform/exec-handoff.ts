// `dozen run` replacing itself with its command. Node has no exec(2), so bin/dozen does it: for
// `dozen run` it makes a private folder (mktemp -d, mode 0700), names a file in it in
// HANDOFF_FILE_VARIABLE, and runs Node without exec'ing it. Node computes the command's folder,
// environment and argv, writes them here as one `set -- WORD...` line of single-quoted words (the
// one quoting POSIX sh reads back byte for byte: inside '...' nothing is special, and an
// embedded ' is written '\''; environment strings and argv cannot hold NUL, the one byte sh
// cannot carry) and exits with HANDOFF_STATUS. The launcher sources the file, deletes the
// folder, changes to the folder given and runs `exec /usr/bin/env -i -- NAME=VALUE... COMMAND
// ARGS...`: the command replaces the launcher's sh, so it keeps the pid the caller started, gets
// its signals and its exit status goes straight to the caller, with no Node beside it.
// No value is ever expanded, split or evaluated by the shell: each is one quoted word of `set --`,
// then one "$@" element; `env -i` starts from an empty environment, so the command sees exactly
// the environment computed here, nothing the launcher's sh adds (dash exports PWD, for one).
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { shellQuote } from '../env/shell-quote.js';
import type { ForegroundCommand, ForegroundResult } from './spawn-foreground.js';

/** Set by bin/dozen for `dozen run` only: where to write the hand-off; removed from the environment at start-up. */
export const HANDOFF_FILE_VARIABLE = 'DOZEN_LAUNCHER_EXEC_FILE';
/** The status that tells bin/dozen to exec the hand-off file (only when the file exists too). */
export const HANDOFF_STATUS = 120;

/** Where bin/dozen wants the hand-off written, taken out of `env` (so no child ever sees it). */
export function takeHandoffFile(env: NodeJS.ProcessEnv): string | undefined {
  const file = env[HANDOFF_FILE_VARIABLE];
  delete env[HANDOFF_FILE_VARIABLE];
  return file === '' ? undefined : file;
}

/**
 * Why `cmd` cannot be handed to `env` (undefined: it can). `env` takes its first argument without
 * `=` as the command, so a program name holding `=` would be read as a variable.
 */
export function handoffObstacle(cmd: ForegroundCommand): string | undefined {
  if (cmd.file.includes('=')) return 'the program name holds "="';
  if (!isAbsolute(cmd.cwd)) return 'the working directory is not absolute';
  return undefined;
}

/** The hand-off file's text: `set -- CWD NAME=VALUE... FILE ARGS...`, every word single-quoted. */
export function handoffScript(cmd: ForegroundCommand): string {
  const words = [cmd.cwd, ...Object.entries(cmd.env).map(([k, v]) => `${k}=${v}`), cmd.file, ...cmd.args];
  return `set -- ${words.map(shellQuote).join(' ')}\n`;
}

/**
 * Checks that the program exists and can be run, as execvp will look for it (so a missing one is
 * still dozen's "command not found", not env's), and writes the hand-off file. Returns the spawn
 * failure, or undefined once the file is written.
 */
export function writeHandoff(file: string, cmd: ForegroundCommand): Extract<ForegroundResult, { type: 'spawn-error' }> | undefined {
  const found = findProgram(cmd.file, cmd.env.PATH, cmd.cwd);
  if (found !== 'found') return { type: 'spawn-error', reason: found, message: `${cmd.file}: ${found}` };
  // 'wx': the launcher's folder is new and private; a file already there is not ours to follow.
  writeFileSync(file, handoffScript(cmd), { mode: 0o600, flag: 'wx' });
  return undefined;
}

/** execvp's search: a name with `/` is a path (from `cwd`); else each PATH entry ("" is `cwd`). */
export function findProgram(file: string, path: string | undefined, cwd: string): 'found' | 'not-found' | 'not-executable' {
  const candidates = file.includes('/')
    ? [resolve(cwd, file)]
    : (path ?? '/bin:/usr/bin').split(delimiter).map((dir) => resolve(cwd, dir, file));
  let seen: 'not-found' | 'not-executable' = 'not-found';
  for (const candidate of candidates) {
    let isFile: boolean;
    try {
      isFile = statSync(candidate).isFile();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      seen = 'not-executable';
      continue;
    }
    if (!isFile) {
      seen = 'not-executable';
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return 'found';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
      seen = 'not-executable';
    }
  }
  return seen;
}
