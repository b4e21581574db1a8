// The shell hook (autoenv, done safely): `dozen hook SHELL` prints it, the hook calls the hidden
// `dozen hook-export SHELL PID` when the folder or a watched file changed, and `dozen allow` /
// `dozen deny` approve or revoke the exact content of a folder's env files. Env files are parsed by
// dozen, never run as shell code.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { AllowStore, allowDir, sha256 } from '../../autoenv/allow-store.js';
import { checkApp, envFileNames, findApp, type FoundApp } from '../../autoenv/find-app.js';
import { planHook } from '../../autoenv/hook-plan.js';
import { baseEnv, formatHookState, parseHookState, STATE_VARIABLE } from '../../autoenv/hook-state.js';
import { raiseStamp, stampDir, touchStamp } from '../../autoenv/hook-stamp.js';
import { HOOK_SHELLS, type HookShell, hookScript, renderExport } from '../../autoenv/shell-syntax.js';
import { DozenError } from '../../errors.js';
import { parseBooleanEnv } from '../options.js';
import { oneLine, printLines } from '../print.js';

export function register(program: Command): void {
  program
    .command('hook')
    .description('print the shell hook that loads an allowed app\'s env files on entering its folder: eval "$(dozen hook bash)"')
    .argument('<shell>', HOOK_SHELLS.join(', '))
    .action((shell: string) => {
      process.stdout.write(hookScript(hookShell(shell), selfCommand()));
    });

  program
    .command('hook-export', { hidden: true })
    .description('(called by the hook) print the statements that bring the shell to the current folder\'s allowed config')
    .argument('<shell>', HOOK_SHELLS.join(', '))
    .argument('<pid>', "the shell's pid, naming its stamp file")
    .action((shell: string, pid: string) => {
      process.stdout.write(hookExport(hookShell(shell), shellPid(pid)));
    });

  const approvals: [string, string, (store: AllowStore, name: string, path: string, root: string) => string][] = [
    [
      'allow',
      'approve the current content of the env files of the app in DIR (or a folder above it), for the shell hook',
      (store, name, path, root) => {
        store.allow(realpathSync(path), sha256(readFileSync(path)));
        return `allowed ${name} in ${root}`;
      },
    ],
    [
      'deny',
      'revoke the approval of the env files of the app in DIR (or a folder above it)',
      (store, name, path, root) => (store.deny(realpathSync(path)) ? `denied ${name} in ${root}` : `${name} in ${root} was not allowed`),
    ],
  ];
  for (const [name, description, act] of approvals) {
    program
      .command(name)
      .description(description)
      .argument('[dir]', 'a folder of the app (default: the current folder)')
      .action((dir: string | undefined) => {
        const { found, store } = appOf(dir);
        printLines(found.files.map((f) => oneLine(act(store, f.name, f.path, found.root))));
      });
  }
}

/** One check of the hook: the statements for the shell on stdout, notices on stderr. */
function hookExport(shell: HookShell, pid: number): string {
  const current = process.env;
  const previous = parseHookState(current[STATE_VARIABLE]);
  // The user's own settings, not ones a loaded app set: an env file cannot move the approvals.
  const base = baseEnv(current, previous);
  const stamp = touchStamp(stampDir(base), pid);
  const found = findApp(process.cwd(), envFileNames(base));
  const { check, approvals } = checkApp(found, new AllowStore(allowDir(base)));
  const plan = planHook(current, previous, check, {
    expand: !booleanSetting(base, 'DOZEN_NO_EXPAND'),
    lenient: booleanSetting(base, 'DOZEN_ENV_LENIENT'),
  });
  for (const message of plan.messages) process.stderr.write(`dozen: ${oneLine(message)}\n`);
  const present = [...found.files.map((f) => f.path), ...approvals.present];
  raiseStamp(stamp, present);
  return renderExport(shell, plan.changes, formatHookState(plan.state), { stamp, present, absent: [...found.absent, ...approvals.absent] });
}

/** The app `dozen allow` / `deny` act on, found as the hook finds it. */
function appOf(dir: string | undefined): { found: FoundApp & { root: string }; store: AllowStore } {
  const base = baseEnv(process.env, parseHookState(process.env[STATE_VARIABLE]));
  const names = envFileNames(base);
  const from = resolve(dir ?? '.');
  if (!existsSync(from)) throw new DozenError('usage', `no such folder: ${from}`);
  const found = findApp(realpathSync(from), names);
  if (found.root === undefined) {
    const what = names.length === 0 ? 'env file (DOZEN_ENV is empty)' : names.join(' or ');
    throw new DozenError('env', `no ${what} in ${from} or a folder above it`);
  }
  return { found: { ...found, root: found.root }, store: new AllowStore(allowDir(base)) };
}

function hookShell(name: string): HookShell {
  const shell = HOOK_SHELLS.find((s) => s === name);
  if (shell === undefined) throw new DozenError('usage', `expected a shell, one of ${HOOK_SHELLS.join(', ')}, got "${name}"`);
  return shell;
}

function shellPid(text: string): number {
  if (!/^[1-9][0-9]*$/.test(text)) throw new DozenError('usage', `expected the shell's pid, got "${text}"`);
  return Number(text);
}

/** DOZEN_NO_EXPAND and the like, as the hook's own switches; a bad value counts as off. */
function booleanSetting(env: Record<string, string | undefined>, name: string): boolean {
  const text = env[name];
  if (text === undefined || text.trim() === '') return false;
  try {
    return parseBooleanEnv(name, text);
  } catch {
    return false;
  }
}

/**
 * How the hook calls this dozen: the package's launcher when running from the bundle, else this
 * Node and this script (a build run in place), by absolute path, so PATH does not matter.
 */
function selfCommand(): string[] {
  const script = process.argv[1] === undefined ? undefined : realpathSync(process.argv[1]);
  if (script === undefined) return ['dozen'];
  const launcher = resolve(dirname(script), '../../bin/dozen');
  if (script.endsWith('/dist/bundle/dozen.js') && existsSync(launcher)) return [launcher];
  return [process.execPath, script];
}
