// What `dozen check` warns about beyond the parsers' own warnings: things that parse but would
// not run as meant. A Procfile command whose program is not on PATH (sh would exit 127), and
// process types the formation leaves at 0 (`-m web=2,worker=2` runs no `redis`).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { LoadedApp } from '../app/load-app.js';
import { processTypes, type Plan } from '../app/plan.js';

/** sh's builtins and keywords a Procfile command may start with. */
const SHELL_WORDS = new Set(
  ('. : [ alias bg break cd command continue echo eval exec exit export false fg getopts hash jobs kill ' +
    'printf pwd read readonly return set shift test times trap true type ulimit umask unalias unset wait ' +
    'if for while until case { ! time').split(' '),
);

/** The warnings, formatted like the parsers' (`FILE:LINE: message`) where there is a line. */
export function checkWarnings(app: LoadedApp, plan: Plan, opts: { formation?: string | undefined; types: string[] }): string[] {
  const path = app.config.PATH ?? app.inherited.PATH ?? '';
  const warnings: string[] = [];
  for (const entry of app.procfile.entries) {
    const program = programOf(entry.command);
    if (program === undefined || SHELL_WORDS.has(program) || onPath(program, path)) continue;
    warnings.push(`${app.procfile.path}:${entry.line}: ${entry.name}: "${program}" is not on PATH: sh would exit 127 (command not found).`);
  }
  if (opts.formation !== undefined && opts.types.length === 0) {
    const running = new Set(plan.instances.map((i) => i.type));
    for (const type of processTypes(app)) {
      if (!running.has(type)) warnings.push(`-m ${opts.formation} runs no ${type}: a type -m does not name gets 0 instances (add ${type}=1, or all=1).`);
    }
  }
  return warnings;
}

/**
 * The program a command line starts, when it can be told without running a shell: the first
 * word after any `VAR=value` assignments and `exec`; undefined for a path (`./bin/web`, checked
 * when it runs) or a word with quotes, expansions or other shell syntax in it.
 */
export function programOf(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string)) i++;
  if (words[i] === 'exec') i++;
  const word = words[i];
  if (word === undefined || word === '' || word.includes('/') || /[$`'"\\(){}<>|&;*?[\]~#=]/.test(word)) return undefined;
  return word;
}

function onPath(program: string, path: string): boolean {
  return path.split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, program)));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false; // missing or not executable: either way not this one
  }
}
