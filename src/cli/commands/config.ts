// `dozen config` (and `config set | unset | get | import`, also spelt `config:set`... as Heroku
// does): the app's config store (src/releases/config-store.ts). Values are printed only by
// `dozen config` and `dozen config get`, which are asked for them; set, unset and import name keys.
import type { Command } from 'commander';
import { requireDirectory } from '../../app/load-app.js';
import { gitignoreHint } from '../../control/gitignore-hint.js';
import { DozenError, ExitCode } from '../../errors.js';
import { checkStateDir, ensureStateDir, stateDirFor } from '../../platform/state-dir.js';
import { configFromEnvFile } from '../../releases/config-from-env-file.js';
import { configStore, INSTANCE_KEYS, parseConfigAssignments, requireConfigKey, type ConfigStore } from '../../releases/config-store.js';
import { flag } from '../options.js';
import { printJson, printLines, printWarnings } from '../print.js';
import { controlRoot } from './control.js';
import { quoteIfNeeded } from './env.js';

interface RootOptions {
  root?: string;
  procfile?: string;
}

export function register(program: Command): void {
  const config = program
    .command('config')
    .description("show the app's config store (the config releases are made with), KEY=VALUE sorted by key; also config:set, config:unset, config:get")
    .addOption(flag('--json', 'print a JSON object', false))
    // Its subcommands are found first; any other word is not one of them.
    .allowExcessArguments(true);
  withRoot(config).action((opts: RootOptions & { json: boolean }, cmd: Command) => {
    const word = cmd.args[0];
    if (word !== undefined) throw new DozenError('usage', `unknown command 'config ${word}' (expected set, unset, get or import) (see "dozen config --help")`);
    const values = readStore(opts).read();
    if (opts.json) return printJson(values);
    printLines(Object.entries(values).map(([key, value]) => `${key}=${quoteIfNeeded(value)}`));
  });

  /** `config NAME` and Heroku's spelling of it, `config:NAME` (left out of `dozen --help`). */
  const withHerokuSpelling = (name: string, define: (cmd: Command) => void): void => {
    define(config.command(name));
    define(program.command(`config:${name}`, { hidden: true }));
  };

  withHerokuSpelling('set', (cmd) => {
    cmd
      .description('set config values in the store; prints the keys set, never the values')
      .argument('<assignments...>', 'KEY=VALUE pairs (the value may be empty or hold "=")');
    withRoot(cmd).action((args: string[], _opts, self: Command) => set(rootOptions(self), parseConfigAssignments(args)));
  });

  withHerokuSpelling('unset', (cmd) => {
    cmd.description('remove keys from the config store').argument('<keys...>', 'the keys to remove');
    withRoot(cmd).action(async (keys: string[], _opts, self: Command) => {
      for (const key of keys) requireConfigKey(key);
      const opts = rootOptions(self);
      await change(opts, (store) => {
        const { removed } = store.unset(keys);
        const absent = [...new Set(keys)].filter((key) => !removed.includes(key));
        printLines([...(removed.length > 0 ? [`Unset ${removed.join(', ')}`] : []), ...absent.map((key) => `${key} was not set`)]);
        return removed.length > 0 ? `Unset ${removed.join(', ')}` : undefined;
      });
    });
  });

  withHerokuSpelling('get', (cmd) => {
    cmd.description('print one value of the config store (exit 1 when the key is not set)').argument('<key>', 'the key');
    withRoot(cmd).action((key: string, _opts, self: Command) => {
      requireConfigKey(key);
      const values = readStore(rootOptions(self)).read();
      if (!Object.prototype.hasOwnProperty.call(values, key)) {
        throw new DozenError('config', `${key} is not set in the config store`, { exitCode: ExitCode.failure, hint: '("dozen config" lists the keys that are)' });
      }
      process.stdout.write(`${values[key]}\n`);
    });
  });

  const importCmd = config
    .command('import')
    .description("copy a .env file's values into the config store (the file's keys win over the environment)")
    .argument('<file>', 'the .env file, relative to the current folder')
    .addOption(flag('--no-expand', 'take $VAR references in the file literally'));
  withRoot(importCmd).action(async (file: string, opts: { expand: boolean }, cmd: Command) => {
    const { values, warnings } = configFromEnvFile(file, { cwd: process.cwd(), inherited: process.env, expand: opts.expand });
    printWarnings(warnings);
    if (Object.keys(values).length === 0) return printLines([`${file} defines no keys; nothing set`]);
    await set(rootOptions(cmd), values);
  });
}

/** -d and -f, as `dozen start` takes them to find the app (no env file is read). */
function withRoot(cmd: Command): Command {
  return cmd
    .addOption(flag('-d, --root <dir>', "app root (default: the Procfile's folder)"))
    .addOption(flag('-f, --procfile <path>', 'Procfile of the app (default: Procfile in --root, else here)'));
}

/**
 * -d/-f of a subcommand, which may also stand before its name (`dozen config -d app set ...`): a
 * flag on the command line wins over a DOZEN_ variable wherever it stands.
 */
function rootOptions(cmd: Command): RootOptions {
  const parent = cmd.parent?.name() === 'config' ? cmd.parent : undefined;
  const pick = (key: keyof RootOptions): string | undefined => {
    const from = parent !== undefined && parent.getOptionValueSource(key) === 'cli' && cmd.getOptionValueSource(key) !== 'cli' ? parent : cmd;
    return from.getOptionValue(key) as string | undefined;
  };
  const opts: RootOptions = {};
  const root = pick('root');
  const procfile = pick('procfile');
  if (root !== undefined) opts.root = root;
  if (procfile !== undefined) opts.procfile = procfile;
  return opts;
}

async function set(opts: RootOptions, values: Record<string, string>): Promise<void> {
  const keys = Object.keys(values);
  await change(opts, (store) => {
    store.set(values);
    printWarnings(keys.filter((key) => INSTANCE_KEYS.includes(key)).map((key) => `${key} is set by dozen for each process, which wins over the stored value`));
    printLines([`Set ${keys.join(', ')}`]);
    return `Set ${keys.join(', ')}`;
  });
}

/**
 * Writes the store under the app's deploy lock; with a current release, the change makes a new
 * one (see release-actions.ts).
 */
async function change(opts: RootOptions, write: (store: ConfigStore) => string | undefined): Promise<void> {
  writeStore(opts); // the folder made, the .gitignore hint said
  const { changeConfig } = await import('../release-actions.js');
  await changeConfig(controlRoot(opts), write);
}

function readStore(opts: RootOptions): ConfigStore {
  const root = controlRoot(opts);
  requireDirectory(root);
  checkStateDir(stateDirFor(root));
  return configStore(stateDirFor(root));
}

/** The store, its folder made if needed; says once to keep the folder out of git. */
function writeStore(opts: RootOptions): ConfigStore {
  const root = controlRoot(opts);
  requireDirectory(root);
  const stateDir = ensureStateDir(root);
  const hint = gitignoreHint(root, stateDir);
  if (hint !== undefined) printWarnings([hint]);
  return configStore(stateDir);
}
