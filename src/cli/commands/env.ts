// `dozen env`: the variables the env files define, with the values the processes will see.
// `--shell` output is safe to eval: `eval "$(dozen env --shell)"` gives a shell the app's config.
import type { Command } from 'commander';
import type { EnvVar } from '../../env/types.js';
import { isShellName, shellExport, shellQuote } from '../../env/shell-quote.js';
import { loadAppFromCli } from '../app-source.js';
import { flag, addAppOptions, type AppCliOptions } from '../options.js';
import { oneLine, printJson, printLines, printWarnings } from '../print.js';

interface EnvCommandOptions extends AppCliOptions {
  release?: boolean | string;
  json: boolean;
  shell: boolean;
  explain: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('env')
    .description('print the variables the env files define, with the values the processes will see')
    .addOption(flag('--json', 'print a JSON object (with --explain: {value, source} per key)', false).conflicts('shell'))
    .addOption(flag('--shell', 'print `export KEY=\'value\'` lines, safe to eval in sh/bash/zsh', false))
    .addOption(flag('--explain', 'show where each value comes from (.env:3, inherited, config store)', false))
    .addOption(flag('--release [version]', "a release's config (current, or vN) instead of the env files"));
  addAppOptions(cmd);
  cmd.action(async (opts: EnvCommandOptions) => {
    const app =
      opts.release === undefined || opts.release === false
        ? loadAppFromCli(opts, { procfileOptional: true })
        : await releaseApp(opts.release === true ? 'current' : opts.release, opts);
    const vars = app.env.vars;
    printWarnings(app.warnings);
    if (opts.json) {
      printJson(Object.fromEntries(vars.map((v) => [v.key, opts.explain ? explained(v) : v.value])));
      return;
    }
    const shown = opts.shell ? vars.filter((v) => isShellName(v.key)) : vars;
    if (opts.shell) {
      const left = vars.filter((v) => !isShellName(v.key)).map((v) => `${v.key} is not a valid shell variable name; left out of --shell output`);
      printWarnings(left);
    }
    printLines(
      shown.map((v) => {
        const line = opts.shell ? shellExport(v.key, v.value) : `${v.key}=${quoteIfNeeded(v.value)}`;
        return opts.explain ? `${line}  # ${oneLine(sourceNote(v))}` : line;
      }),
    );
  });
}

async function releaseApp(spec: string, opts: EnvCommandOptions) {
  const [{ loadRunningRelease }, { controlRoot }] = await Promise.all([import('../running-release.js'), import('./control.js')]);
  return loadRunningRelease(spec, controlRoot(opts)).app;
}

/** `.env:3`, `inherited`, `config store (v4)`; see sourceNote for what an inherited value shadows. */
export function sourceText(v: EnvVar): string {
  switch (v.source.type) {
    case 'file':
      return `${v.source.file}:${v.source.line}`;
    case 'inherited':
      return 'inherited';
    case 'config-store':
      return `config store (${v.source.release})`;
  }
}

function sourceNote(v: EnvVar): string {
  const shadowed = v.shadowed ? `, shadows ${v.shadowed.file}:${v.shadowed.line} (--override lets the file win)` : '';
  return `${sourceText(v)}${shadowed}`;
}

function explained(v: EnvVar): { value: string; source: string; shadowed?: string } {
  const entry: { value: string; source: string; shadowed?: string } = { value: v.value, source: sourceText(v) };
  if (v.shadowed) entry.shadowed = `${v.shadowed.file}:${v.shadowed.line}`;
  return entry;
}

/** Plain when every character is one sh leaves alone, single-quoted otherwise: never ambiguous. */
export function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}
