// `dozen start [TYPE...]`: run the release phase, then supervise the formation until it stops.
// The supervisor (src/supervisor/) does the work; this file turns flags into its options,
// plugs in the attachments and turns signals to dozen into a graceful (then forced) stop.
import type { Command } from 'commander';
import { DozenError } from '../../errors.js';
import { resolveColor } from '../../logs/color.js';
import { createPrinter } from '../../logs/printer.js';
import { parseTimestampFormat } from '../../logs/timestamp.js';
import { onShutdownSignals } from '../../platform/shutdown-signals.js';
import { exitCodeForSignal, parseSignal } from '../../platform/signals.js';
import type { Attachment, Detach, StartContext } from '../attachment.js';
import { RESTART_MODES, type RestartMode } from '../../supervisor/restart-policy.js';
import { portAllocator } from '../../supervisor/port-allocator.js';
import { createSupervisor } from '../../supervisor/supervisor.js';
import { kernelFreePort } from '../../platform/free-port.js';
import { setExitStatus } from '../exit-status.js';
import { planInstances, processTypes } from '../../app/plan.js';
import { loadAppFromCli } from '../app-source.js';
import { addAppOptions, addFormationOptions, flag, type AppCliOptions } from '../options.js';
import { printWarnings } from '../print.js';
import { controlAttachment, controlRoot } from './control.js';
import { addLogsStartOptions, logsAttachment, type LogsStartOptions } from '../logs-attachment.js';
import { addRouterStartOptions, routerAttachment, type RouterStartOptions } from '../router-attachment.js';

/** The terminal printer: app output and dozen's lines on stdout, with backpressure. */
const printer: Attachment = (supervisor, ctx) => {
  const names = [...ctx.plan.instances.map((s) => s.name), ...(ctx.runsRelease ? ['release'] : []), ...(ctx.sources ?? [])];
  const p = createPrinter({ out: process.stdout, err: process.stderr, ...ctx.output, names, valve: supervisor.outputValve() });
  const unsubscribe = supervisor.subscribe((event) => p.onEvent(event));
  return async () => {
    unsubscribe();
    await p.close();
  };
};

/** Attached in order before the run, detached in reverse after it. Add yours here. */
// The control socket first: it refuses a second dozen for the app before anything else attaches.
export const ATTACHMENTS: Attachment[] = [controlAttachment, printer];

export interface StartOptions extends AppCliOptions, LogsStartOptions, RouterStartOptions {
  timeout: string;
  restart: string;
  canDie?: string;
  stopSignal: string;
  bootTimeout: string;
  /** --release [version] (true: current), or false for --no-release; undefined: neither. */
  release?: boolean | string;
  color: boolean;
  timestamp: boolean;
  prefix: boolean;
  timestampFormat: string;
  /** --health-path: web's health check, over app.json's (loadApp reads it from these options). */
  healthPath?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('start')
    .description('run the release phase, then every process of the formation, until one stops or dozen is stopped')
    .argument('[types...]', 'run only these process types (default: all)');
  addAppOptions(cmd);
  addFormationOptions(cmd);
  addLogsStartOptions(cmd);
  addRouterStartOptions(cmd);
  cmd
    .addOption(flag('-t, --timeout <seconds>', 'how long processes get to stop before SIGKILL', '5'))
    .addOption(flag('--restart <mode>', `restart a process that exits: ${RESTART_MODES.join(', ')}`, 'never'))
    .addOption(flag('--can-die <types>', 'comma-separated types that may exit without stopping the others'))
    .addOption(flag('--stop-signal <signal>', 'signal that asks processes to stop', 'SIGTERM'))
    .addOption(flag('--boot-timeout <seconds>', 'warn when a web process has not bound its port by then', '60'))
    .addOption(flag('--health-path <path>', "web is ready once GET PATH answers 2xx/3xx too (default: app.json's healthchecks.web)"))
    .addOption(flag('--release [version]', 'run a release (current, or vN) from the release store instead of the working tree'))
    .addOption(flag('--no-release', 'skip the release phase'))
    .addOption(flag('--no-color', 'no colours (default: colours on a terminal, see NO_COLOR / FORCE_COLOR)'))
    .addOption(flag('--no-timestamp', 'no timestamps before lines'))
    .addOption(flag('--no-prefix', "print the apps' output as is, dozen's own lines on stderr"))
    .addOption(flag('--timestamp-format <format>', 'time (HH:MM:SS) or iso (RFC 3339 with milliseconds)', 'time'))
    .action((types: string[], opts: StartOptions) => start(types, opts, cmd.getOptionValueSource('color') === 'default'));
}

async function start(types: string[], opts: StartOptions, colorUnset: boolean): Promise<void> {
  const running = opts.release === true || typeof opts.release === 'string' ? await runningRelease(opts.release, opts) : undefined;
  const app = running?.app ?? loadAppFromCli(opts);
  printWarnings(app.warnings);
  const planned = planInstances(app, { formation: opts.formation, port: opts.port, types });
  const plan = running ? { ...planned, instances: planned.instances.map((s) => ({ ...s, release: running.name })) } : planned;
  // A release's release phase ran when the release was made; a working tree's runs at each start.
  const runsRelease = !running && opts.release !== false && plan.releasePhase !== undefined;
  const ctx: StartContext = {
    app,
    stateRoot: running?.stateRoot ?? app.root,
    ...(running ? { model: running.model(plan.basePort), releaseModel: (version: number) => running.modelOf(version, plan.basePort) } : {}),
    plan,
    runsRelease,
    ...(typeof opts.router === 'string' ? { sources: ['router'] } : {}),
    output: {
      color: resolveColor({ flag: colorUnset ? undefined : opts.color, env: process.env, isTTY: process.stdout.isTTY === true }),
      timestamps: opts.timestamp,
      prefix: opts.prefix,
      timestampFormat: parseTimestampFormat(opts.timestampFormat),
    },
  };
  const supervisor = createSupervisor({
    specs: plan.instances,
    releasePhase: runsRelease ? plan.releasePhase : undefined,
    restart: parseRestartMode(opts.restart),
    canDie: parseCanDie(opts.canDie, processTypes(app)),
    timeoutMs: parseSeconds('-t/--timeout', opts.timeout),
    stopSignal: parseStopSignal(opts.stopSignal),
    bootTimeoutMs: parseSeconds('--boot-timeout', opts.bootTimeout),
    inheritedEnv: app.inherited,
    forceColor: process.stdout.isTTY === true,
    // Surge replacements take kernel-chosen ports outside the formula's range (base + 100 × types).
    ports: portAllocator(kernelFreePort, (port) => port >= plan.basePort && port < plan.basePort + 100 * processTypes(app).length),
  });

  const detaches: Detach[] = [];
  const removeSignals = onShutdownSignals({
    graceful: (signal) => void supervisor.shutdown(`received ${signal}`, exitCodeForSignal(signal)),
    force: () => void supervisor.forceKill(),
  });
  try {
    // The log store and drains: they see every line, and detach (flush) after the router, which
    // comes last (its port is taken before anything starts) and closes first.
    for (const attach of [...ATTACHMENTS, logsAttachment(opts), routerAttachment(opts, parseSeconds)]) detaches.push(await attach(supervisor, ctx));
    setExitStatus(await supervisor.run());
  } finally {
    removeSignals();
    for (const detach of detaches.reverse()) await detach();
  }
}

/** `5`, `2.5`, `5s`, `500ms`, `2m`: a duration, seconds when no unit is given; returns ms. */
/** The release `--release` names, loaded from its build with its config. */
async function runningRelease(spec: true | string, opts: StartOptions) {
  const { loadRunningRelease } = await import('../running-release.js');
  return loadRunningRelease(spec === true ? 'current' : spec, controlRoot(opts), opts.healthPath);
}

export function parseSeconds(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) throw new DozenError('usage', `${name}: expected a number of seconds, got "${text}" (units: 500ms, 5s, 2m)`);
  const scale = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000;
  return Math.round(Number(m[1]) * scale);
}

export function parseRestartMode(text: string): RestartMode {
  const mode = RESTART_MODES.find((m) => m === text);
  if (!mode) throw new DozenError('usage', `--restart: expected one of ${RESTART_MODES.join(', ')}, got "${text}"`);
  return mode;
}

export function parseStopSignal(text: string): NodeJS.Signals {
  const signal = parseSignal(text);
  if (!signal) throw new DozenError('usage', `--stop-signal: expected a signal name such as SIGTERM, SIGINT or SIGQUIT, got "${text}"`);
  return signal;
}

export function parseCanDie(text: string | undefined, types: string[]): string[] {
  const names = (text ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const name of names) {
    if (!types.includes(name)) {
      throw new DozenError('usage', `--can-die: unknown process type "${name}": expected one of ${types.join(', ') || '(none)'}`);
    }
  }
  return names;
}
