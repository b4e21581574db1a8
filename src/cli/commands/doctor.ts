// `dozen doctor`: check the app against the twelve factors, by reading it (static checks) and,
// unless --static, by running it (dynamic checks). Never changes the app's files.
import type { Command } from 'commander';
import { onShutdownSignals } from '../../platform/shutdown-signals.js';
import { runDoctor, hasFailure } from '../../doctor/doctor.js';
import { readApp } from '../../doctor/read-app.js';
import { renderReport, reportJson } from '../../doctor/render.js';
import { STATIC_CHECKS } from '../../doctor/checks/static.js';
import type { RunObservations } from '../../doctor/types.js';
import { resolveColor } from '../../logs/color.js';
import { appSource, shown } from '../app-source.js';
import { setExitStatus } from '../exit-status.js';
import { addAppOptions, flag, parseSeconds, type AppCliOptions } from '../options.js';
import { printJson } from '../print.js';

interface DoctorOptions extends AppCliOptions {
  json: boolean;
  static: boolean;
  bootTimeout: string;
  stopTimeout: string;
  color: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('check the app against the twelve factors, by reading it and by running it; exit 1 when a check fails')
    .addOption(flag('--json', 'print {app, factors: [{factor, title, status, findings}]} as JSON', false))
    .addOption(flag('--static', 'only read the app: do not run it', false))
    .addOption(flag('--boot-timeout <seconds>', 'how long each process type gets to become ready while the doctor runs it', '10'))
    .addOption(flag('--stop-timeout <seconds>', 'how long a process gets to stop after SIGTERM before SIGKILL', '5'))
    .addOption(flag('--no-color', 'no colours (default: colours on a terminal, see NO_COLOR / FORCE_COLOR)'));
  addAppOptions(cmd);
  cmd.action(async (opts: DoctorOptions) => {
    const bootTimeoutMs = parseSeconds('--boot-timeout', opts.bootTimeout);
    const stopTimeoutMs = parseSeconds('--stop-timeout', opts.stopTimeout);
    const facts = await readApp(appSource(opts));
    let run: RunObservations;
    if (opts.static) {
      run = { skipped: '--static', bootTimeoutMs, stopTimeoutMs, types: [], changedFiles: [] };
    } else {
      // Loaded only when the app is run: --static never pays for the run's modules.
      const { observeApp } = await import('../../doctor/run/observe.js');
      // Ctrl-C (or SIGTERM, SIGHUP) ends the run: it stops what it started, then the report says so.
      const interrupted = new AbortController();
      const removeSignals = onShutdownSignals({ graceful: () => interrupted.abort(), force: () => interrupted.abort() });
      try {
        run = await observeApp(facts, { bootTimeoutMs, stopTimeoutMs, dozenCli: process.argv[1] ?? 'dozen', signal: interrupted.signal });
      } finally {
        removeSignals();
      }
    }
    const { DYNAMIC_CHECKS } = await import('../../doctor/checks/dynamic.js');
    const report = runDoctor(facts, run, { static: STATIC_CHECKS, dynamic: DYNAMIC_CHECKS });
    if (opts.json) printJson(reportJson(report));
    else {
      const colorUnset = cmd.getOptionValueSource('color') === 'default';
      const color = resolveColor({ flag: colorUnset ? undefined : opts.color, env: process.env, isTTY: process.stdout.isTTY === true });
      process.stdout.write(renderReport(report, { color, app: shown(facts.root), notRun: run.skipped }));
    }
    if (hasFailure(report)) setExitStatus(1);
  });
}
