// `dozen export FORMAT DIR`: the same formation as `dozen start`, written out for systemd,
// supervisord, Kubernetes or docker compose, or as an nginx site in front of its web instances.
// Reads the app, renders (pure), writes atomically.
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DozenError } from '../../errors.js';
import { parseListenAddress } from '../../export/listen-address.js';
import { exportNames } from '../../export/names.js';
import { exporterFor, FORMATS } from '../../export/render.js';
import type { ExportContext } from '../../export/types.js';
import { writeExport } from '../../export/write-files.js';
import type { LoadedApp } from '../../app/load-app.js';
import { planInstances, processTypes } from '../../app/plan.js';
import { loadAppFromCli, shown } from '../app-source.js';
import { addAppOptions, addFormationOptions, flag, type AppCliOptions } from '../options.js';
import { printLines, printWarnings } from '../print.js';

interface ExportOptions extends AppCliOptions {
  app?: string;
  user?: string;
  image?: string;
  listen: string;
  timeout: string;
  force: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description(`write the formation as files for another process manager, or an nginx site (${FORMATS.join(', ')})`)
    .argument('<format>', `one of ${FORMATS.join(', ')}`)
    .argument('<dir>', 'folder to write the files to (created if missing)')
    .addOption(flag('-a, --app <name>', "app name used in unit, program and object names (default: the app root's folder name)"))
    .addOption(flag('-u, --user <user>', 'run the processes as this user (systemd, supervisord)'))
    .addOption(flag('-i, --image <image>', 'container image (kubernetes: required; compose: instead of build)'))
    .addOption(flag('--listen <[host:]port>', 'where nginx takes requests for the web instances (nginx)', '80'))
    .addOption(flag('-t, --timeout <seconds>', 'seconds between SIGTERM and SIGKILL when stopping', '5'))
    .addOption(flag('--force', 'overwrite files in DIR that dozen did not write', false));
  addAppOptions(cmd);
  addFormationOptions(cmd);
  cmd.action((format: string, dir: string, opts: ExportOptions) => {
    const exporter = exporterFor(format);
    const app = loadAppFromCli(opts);
    printWarnings(app.warnings);
    const plan = planInstances(app, { formation: opts.formation, port: opts.port });
    if (plan.instances.length === 0) {
      throw new DozenError('formation', 'the formation runs no process: nothing to export.', { hint: 'Check -m/--formation.' });
    }
    const names = exportNames(opts.app ?? basename(app.root), processTypes(app));
    const outDir = resolve(dir);
    const ctx: ExportContext = {
      app: names.app,
      typeNames: names.typeNames,
      root: app.root,
      outDir,
      timeoutSec: parseTimeout(opts.timeout),
      user: opts.user,
      image: opts.image,
      releasePhase: plan.releasePhase,
      config: app.config,
      basePort: plan.basePort,
      listen: parseListenAddress(opts.listen),
    };
    const files = exporter(plan.instances, ctx);
    const written = writeExport(outDir, files, { force: opts.force });
    // Names only, never contents: the files hold the app's config.
    printLines(written.map((path) => `wrote ${shown(path)}`));
    printWarnings(exportWarnings(format, app, opts.image));
    printWarnings(
      files.filter((f) => f.secret).map((f) => `${shown(resolve(outDir, f.path))} holds the app's config (secrets) in plain text: keep it private and out of version control.`),
    );
  });
}

/**
 * What the files hold that the user may not expect: values from the calling shell (it wins over
 * the env files, so a developer's own DATABASE_URL would go to production), and a compose
 * `build:` with no Dockerfile to build from.
 */
function exportWarnings(format: string, app: LoadedApp, image: string | undefined): string[] {
  const warnings: string[] = [];
  const fromShell = app.env.vars.filter((v) => v.source.type === 'inherited').map((v) => v.key);
  if (fromShell.length > 0) {
    warnings.push(
      `${fromShell.join(', ')}: written with the value${fromShell.length === 1 ? '' : 's'} of the environment dozen runs in, which wins over the env files; --override writes the env files' values instead.`,
    );
  }
  if (format === 'compose' && image === undefined && !existsSync(join(app.root, 'Dockerfile'))) {
    warnings.push(`no Dockerfile in ${shown(app.root)}: the services' build: cannot make an image from it; add a Dockerfile, or pass -i IMAGE.`);
  }
  return warnings;
}

function parseTimeout(text: string): number {
  if (!/^[0-9]+$/.test(text.trim()) || Number(text) < 1) {
    throw new DozenError('usage', `--timeout: expected a whole number of seconds (1 or more), got "${text}".`);
  }
  return Number(text);
}
