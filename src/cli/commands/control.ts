// `dozen ps / restart / stop / scale / quit`: thin clients of the control socket of the running
// `dozen start` (src/control/). They find the app as start does (-d, -f) but read no .env.
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { claimControlSocket } from '../../control/claim.js';
import { ControlRequestError, connectToApp, type ControlClient } from '../../control/client.js';
import { routerLine, STATUS_HEADER, statusRow } from '../../control/format-status.js';
import type { ActionResult } from '../../control/protocol.js';
import { joinScaleArgs } from '../../control/scaler.js';
import { attachControlServer } from '../../control/server.js';
import { controlSocketPath } from '../../control/socket-path.js';
import { DozenError, ExitCode } from '../../errors.js';
import { ensureStateDir, stateDirFor } from '../../platform/state-dir.js';
import type { Attachment } from '../attachment.js';
import { appModel } from '../../app/app-model.js';
import { addAppOptions, flag, type AppCliOptions } from '../options.js';
import { printJson, printLines, table } from '../print.js';
import { version } from '../version.js';

/**
 * `dozen start`'s control attachment. Attachments run before the supervisor spawns anything
 * (release included), so a second `dozen start` is refused here with nothing started.
 */
export const controlAttachment: Attachment = async (supervisor, ctx) => {
  const stateDir = ensureStateDir(ctx.stateRoot);
  const claim = await claimControlSocket(stateDir, { version, root: ctx.app.root });
  // Said before the run: held until it starts, then printed, stored and drained like every line.
  for (const note of claim.notes) supervisor.say('info', note);
  const server = attachControlServer(supervisor, {
    stateDir,
    claim,
    // The app as loaded at start on the same base port: new instances get the config and the
    // ports of the formula the running ones have. A switch to another release swaps it.
    model: ctx.model ?? appModel(ctx.app, ctx.plan.basePort),
    logs: () => ctx.logs,
    router: () => ctx.router,
    ...(ctx.releaseModel ? { releaseModel: ctx.releaseModel } : {}),
  });
  return () => server.close();
};

export function register(program: Command): void {
  const ps = program
    .command('ps')
    .description('show each instance of the running formation: state, pid, port, readiness, uptime, CPU and memory')
    .addOption(flag('--json', 'print a JSON array instead of a table', false));
  addAppOptions(ps).action((opts: AppCliOptions & { json: boolean }) =>
    withControl(opts, async (client) => {
      const { server, instances, router } = await client.call({ method: 'status' });
      if (opts.json) return printJson(instances);
      if (server.phase === 'starting') process.stderr.write(`dozen: dozen (pid ${server.pid}) is still starting\n`);
      printLines(table([STATUS_HEADER, ...instances.map(statusRow)]));
      if (router) printLines(['', routerLine(router)]);
    }),
  );

  const restart = program
    .command('restart')
    .description('gracefully restart instances, one after another, on the same ports (no pattern: all)')
    .argument('[patterns...]', 'a type (web), an instance (web.2) or a glob (web.*)')
    .addOption(flag('--surge', 'start each replacement beside the old instance, on a free port, and stop the old one once it is ready', false));
  addAppOptions(restart).action((patterns: string[], opts: AppCliOptions & { surge: boolean }) =>
    withControl(opts, async (client) => {
      if (opts.surge) await requireFeature(client, 'surge', 'restart --surge');
      const result = await client.call({ method: 'restart', params: { patterns, ...(opts.surge ? { mode: 'surge' as const } : {}) } });
      const { failure } = result;
      if (!failure) return printLines(actionLines(result, 'restarted'));
      // The ones before the failed instance were replaced; the ones after it run as before.
      const failedAt = result.instances.findIndex((i) => i.name === failure.instance);
      printLines(actionLines({ instances: result.instances.slice(0, Math.max(0, failedAt)) }, 'restarted'));
      const message = opts.surge || failure.surged === true
        ? `${failure.instance} was not replaced: the new instance ${failure.reason}; the old one keeps serving`
        : `${failure.instance} did not come back: it ${failure.reason}`;
      throw new DozenError('control', message, { exitCode: ExitCode.failure });
    }),
  );

  const stop = program
    .command('stop')
    .description('stop instances and keep them stopped (`dozen restart` brings them back)')
    .argument('<patterns...>', 'a type (web), an instance (web.2) or a glob (web.*)');
  addAppOptions(stop).action((patterns: string[], opts: AppCliOptions) =>
    withControl(opts, async (client) => {
      const result = await client.call({ method: 'stop', params: { patterns } });
      printLines(actionLines(result, 'stopped'));
    }),
  );

  const scale = program
    .command('scale')
    .description('change the live formation: new instances get the formula ports, the highest-numbered stop first')
    .argument('<formation...>', 'TYPE=N pieces: web=3 worker=0 (or web=3,worker=0)');
  addAppOptions(scale).action((pieces: string[], opts: AppCliOptions) =>
    withControl(opts, async (client) => {
      const result = await client.call({ method: 'scale', params: { formation: joinScaleArgs(pieces) } });
      const lines = [
        ...result.removed.map((name) => `${name} stopped and removed`),
        ...result.added.map((a) => `${a.name} started${a.port === null ? '' : ` on port ${a.port}`}`),
      ];
      printLines(lines.length > 0 ? lines : ['formation unchanged']);
    }),
  );

  const quit = program.command('quit').description('stop every process and dozen itself, as SIGTERM to dozen would');
  addAppOptions(quit).action((opts: AppCliOptions) =>
    withControl(opts, async (client) => {
      const { pid } = await client.call({ method: 'quit' });
      // dozen hangs up once it has stopped everything (or it died): that is the end of the quit.
      await client.closed;
      printLines([`dozen (pid ${pid}) stopped`]);
    }),
  );
}

/** The app root as `dozen start` finds it: -d, else the folder of -f, else here. */
export function controlRoot(opts: Pick<AppCliOptions, 'root' | 'procfile'>, cwd = process.cwd()): string {
  if (opts.root !== undefined) return resolve(cwd, opts.root);
  return opts.procfile !== undefined ? dirname(resolve(cwd, opts.procfile)) : cwd;
}

/** Connects to the app's dozen, runs `fn`, hangs up; protocol failures become DozenErrors. */
async function withControl(opts: AppCliOptions, fn: (client: ControlClient) => Promise<void>): Promise<void> {
  const root = controlRoot(opts);
  const client = await connectToApp(root, controlSocketPath(stateDirFor(root)));
  try {
    await fn(client);
  } catch (err) {
    throw err instanceof ControlRequestError ? cliError(err) : err;
  } finally {
    client.close();
  }
}

/** A dozen of an older version may lack what is asked: say so rather than do something else. */
async function requireFeature(client: ControlClient, feature: string, what: string): Promise<void> {
  const server = await client.call({ method: 'hello' });
  if (!(server.features ?? []).includes(feature)) {
    throw new DozenError('control', `the running dozen (pid ${server.pid}, version ${server.version}) cannot ${what}; restart it with this version`, {
      exitCode: ExitCode.unavailable,
    });
  }
}

function cliError(err: ControlRequestError): DozenError {
  switch (err.code) {
    case 'no-match':
      return new DozenError('usage', err.message);
    case 'formation':
      return new DozenError('formation', err.message);
    case 'starting':
      return new DozenError('control', err.message, { exitCode: ExitCode.unavailable });
    default:
      return new DozenError('control', err.message, { exitCode: ExitCode.failure });
  }
}

/** `web.1 restarted (pid 10 -> 12)`, `worker.1 stopped (was pid 11)`; the state if unexpected. */
function actionLines(result: ActionResult, verb: 'restarted' | 'stopped'): string[] {
  const expected = verb === 'restarted' ? 'running' : 'stopped';
  return result.instances.map((i) => {
    let pids = '';
    if (i.pidBefore !== null && i.pid !== null) pids = ` (pid ${i.pidBefore} -> ${i.pid})`;
    else if (i.pid !== null) pids = ` (pid ${i.pid})`;
    else if (i.pidBefore !== null) pids = ` (was pid ${i.pidBefore})`;
    return `${i.name} ${verb}${pids}${i.state === expected ? '' : `, now ${i.state}`}`;
  });
}
