// supervisord: DIR/APP.conf, to include from the main supervisord config.
//
// supervisord's ini syntax cannot carry arbitrary text: ` ;` and ` #` start comments, `%` is
// interpolation, and `environment=` strips quotes it cannot nest. So the .conf holds only names,
// ports and paths; the config goes to APP.env (POSIX shell, single-quoted: exact for any value)
// and the Procfile commands to APP.run, a small script that sources APP.env, exports the
// instance's PORT/PS/DYNO (given as arguments, so they win over the config as under `dozen
// start`), changes to the app root and execs `/bin/sh -c COMMAND`. Nothing is left for
// supervisord to expand: foreman's export copies `$PORT` into the .conf and it never gets set.
import type { ProcessSpec } from '../formation/types.js';
import { DozenError } from '../errors.js';
import { shellExport, shellQuote } from '../env/shell-quote.js';
import { header } from './header.js';
import { countsByType, instanceVars, requireShellNames, typeName } from './instance-env.js';
import { userName } from './names.js';
import type { ExportContext, ExportFile } from './types.js';

const FORMAT = 'supervisord';

export function renderSupervisord(instances: readonly ProcessSpec[], ctx: ExportContext): ExportFile[] {
  requireShellNames(FORMAT, [...Object.keys(ctx.config), ...instances.flatMap((s) => Object.keys(s.env))]);
  checkFolder(ctx.outDir);
  const app = ctx.app;
  const programs = instances.map((spec) => ({ spec, name: `${app}-${typeName(ctx.typeNames, spec.type)}-${spec.index}` }));

  const sections = programs.map(({ spec, name }) => program(name, runArgs(spec, ctx), ctx));
  const releaseNote = ctx.releasePhase
    ? `; Release phase: run it once, as the app's user, before starting or updating the group:\n;   /bin/sh ${ctx.outDir}/${app}.run ${runArgs(ctx.releasePhase, ctx)}\n`
    : '';
  const conf = `${header(FORMAT, ';')}${releaseNote}
[group:${app}]
programs=${programs.map((p) => p.name).join(',')}
${sections.join('')}`;

  const env = `${header(FORMAT)}${Object.entries(ctx.config).map(([k, v]) => `${shellExport(k, v)}\n`).join('')}`;
  return [
    { path: `${app}.conf`, content: conf },
    { path: `${app}.env`, content: env, secret: true },
    { path: `${app}.run`, content: runScript(instances, ctx), mode: 0o755 },
  ];
}

function program(name: string, args: string, ctx: ExportContext): string {
  return `
[program:${name}]
command=/bin/sh "%(here)s/${ctx.app}.run" ${args}
autostart=true
autorestart=unexpected
exitcodes=0
startsecs=1
stopsignal=TERM
stopwaitsecs=${ctx.timeoutSec}
stopasgroup=true
killasgroup=true
redirect_stderr=true
${ctx.user ? `user=${userName(ctx.user)}\n` : ''}`;
}

/** `web PORT=5000 PS=web.1 DYNO=web.1`: plain words, safe for supervisord and shlex alike. */
function runArgs(spec: ProcessSpec, ctx: ExportContext): string {
  const words = [spec.type, ...instanceVars(spec, ctx.config).map(([k, v]) => `${k}=${v}`)];
  for (const word of words) {
    if (!/^[A-Za-z0-9_.,:/@+=-]+$/.test(word)) {
      throw new DozenError('export', `supervisord: the instance variable ${JSON.stringify(word.split('=')[0])} of ${spec.name} holds characters supervisord would change.`);
    }
  }
  return words.join(' ');
}

function runScript(instances: readonly ProcessSpec[], ctx: ExportContext): string {
  const byType = [...countsByType(instances).values()].map((c) => c.first);
  const all = ctx.releasePhase ? [...byType, ctx.releasePhase] : byType;
  const cases = all.map((spec) => `  ${shellQuote(spec.type)}) exec /bin/sh -c ${shellQuote(spec.command)} ;;\n`).join('');
  return `#!/bin/sh
${header(FORMAT)}# Runs one process of ${ctx.app}: ${ctx.app}.run TYPE [NAME=VALUE...]
# The app's config comes from ${ctx.app}.env beside this script; the instance's own variables
# (PORT, PS, DYNO) come as arguments and win over the config.
set -e
. "$(dirname "$0")/${ctx.app}.env"
type=$1
shift
for assignment in "$@"; do export "$assignment"; done
cd ${shellQuote(ctx.root)}
case $type in
${cases}  *) echo "${ctx.app}.run: unknown process type: $type" >&2; exit 64 ;;
esac
`;
}

/** `%(here)s` is pasted into a shlex-split, %-expanded command line: keep the folder's path plain. */
function checkFolder(dir: string): void {
  if (/["%\\\u0000-\u001f\u007f]/.test(dir)) {
    throw new DozenError('export', `supervisord cannot run files from ${JSON.stringify(dir)}: the path holds a quote, "%", a backslash or a control character.`, {
      hint: 'Export to another folder.',
    });
  }
}
