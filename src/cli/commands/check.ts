// `dozen check`: validate the Procfile, the env files and the formation; show what would run.
// Never prints config values: its output is safe to paste into a bug report.
import type { Command } from 'commander';
import { RELEASE_TYPE } from '../../procfile/types.js';
import type { LoadedApp } from '../../app/load-app.js';
import { planInstances, type Plan } from '../../app/plan.js';
import { loadAppFromCli, shown } from '../app-source.js';
import { checkWarnings } from '../check-warnings.js';
import { addAppOptions, addFormationOptions, flag, type AppCliOptions } from '../options.js';
import { oneLine, printJson, printLines, printWarnings, table } from '../print.js';

interface CheckOptions extends AppCliOptions {
  json: boolean;
}

/** The `--json` shape. */
export interface CheckReport {
  processes: Array<{ name: string; command: string }>;
  instances: Array<{ name: string; type: string; port: number | undefined }>;
  warnings: string[];
}

export function register(program: Command): void {
  const cmd = program
    .command('check')
    .description('validate the Procfile, env files and formation; show the process types and the instances with their ports')
    .argument('[types...]', 'only these process types (default: all)')
    .addOption(flag('--json', 'print {processes, instances, warnings} as JSON', false));
  addAppOptions(cmd);
  addFormationOptions(cmd);
  cmd.action((types: string[], opts: CheckOptions) => {
    const app = loadAppFromCli(opts);
    const plan = planInstances(app, { formation: opts.formation, port: opts.port, types });
    const warnings = [...app.warnings, ...checkWarnings(app, plan, { formation: opts.formation, types })];
    if (opts.json) {
      printJson(checkReport(app, plan, warnings));
    } else {
      printWarnings(warnings);
      printLines(describe(app, plan, warnings.length));
    }
  });
}

export function checkReport(app: LoadedApp, plan: Plan, warnings: string[]): CheckReport {
  return {
    processes: app.procfile.entries.map((e) => ({ name: e.name, command: e.command })),
    instances: plan.instances.map((i) => ({ name: i.name, type: i.type, port: i.port })),
    warnings,
  };
}

function describe(app: LoadedApp, plan: Plan, warnings: number): string[] {
  const types = table(
    app.procfile.entries.map((e) => [
      `  ${e.name}`,
      e.name === RELEASE_TYPE ? `${oneLine(e.command)}  (runs once, before the others)` : oneLine(e.command),
    ]),
  );
  const instances = table(plan.instances.map((i) => [`  ${i.name}`, `port ${i.port ?? '-'}`, oneLine(i.command)]));
  const envFiles = app.envFiles.map(shown).join(', ') || 'none';
  return [
    `process types (${app.procfile.path}):`,
    ...types,
    `instances (base port ${plan.basePort}):`,
    ...(instances.length > 0 ? instances : ['  none (the formation runs 0 instances)']),
    `env files: ${envFiles} (${plural(app.env.vars.length, 'variable')})`,
    // The warnings are on stderr, above: said here too, so `valid` never reads as "all is well".
    warnings === 0 ? 'valid' : `valid, ${plural(warnings, 'warning')} (above)`,
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
