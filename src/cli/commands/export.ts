// `dozen export FORMAT DIR`: the same formation as `dozen start`, written out for systemd,
// supervisord, Kubernetes or docker compose, or as an nginx site in front of its web instances.
// Reads the app, renders (pure), writes atomically.
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { DozenError } from '../../errors.js';
import { parseListenAddress } from '../../export/listen-address.js';
import { exportNames } from '../../export/names.js';
import { exporterFor, FORMATS } from '../../export/render.js';
import type { ExportContext } from '../../export/types.js';
import { writeExport } from '../../export/write-files.js';
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
    printWarnings(
      files.filter((f) => f.secret).map((f) => `${shown(resolve(outDir, f.path))} holds the app's config (secrets) in plain text: keep it private and out of version control.`),
    );
  });
}

function parseTimeout(text: string): number {
  if (!/^[0-9]+$/.test(text.trim()) || Number(text) < 1) {
    throw new DozenError('usage', `--timeout: expected a whole number of seconds (1 or more), got "${text}".`);
  }
  return Number(text);
}
