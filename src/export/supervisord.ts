// supervisord: DIR/APP.conf, to include from the main supervisord config.
//
// supervisord's ini syntax cannot carry arbitrary text: ` ;` and ` #` start comments, `%` is
// interpolation, and `environment=` strips quotes it cannot nest. So the .conf holds only names,
// ports and paths; the config goes to APP.env (POSIX shell, single-quoted: exact for any value)
// and the Procfile commands to APP.run, a small script that sources APP.env, exports the
// instance's PORT/PS/DYNO (given as arguments, so they win over the config as under `dozen
// start`), changes to the app root and execs `/bin/sh -c COMMAND`. Nothing is left for
// supervisord to expand: foreman's export copies `$PORT` into the .conf and it never gets set.
//
// The release phase: supervisord has no ordering between programs (`priority` only orders the
// spawns, it does not wait). So the release is a program of its own (`APP-release`: started
// first, `startsecs=0`, `autorestart=false`), and under supervisord APP.run gates the others: the
// release writes a marker once its command succeeded (or failed), keyed by supervisord's pid and
// start time so that each supervisord run starts afresh, and every other program waits for it
// (at most RELEASE_WAIT_SEC) before it execs its command.
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

  const release = ctx.releasePhase ? [{ spec: ctx.releasePhase, name: `${app}-release` }] : [];
  const sections = [
    ...release.map(({ spec, name }) => program(name, runArgs(spec, ctx), ctx, RELEASE_SETTINGS)),
    ...programs.map(({ spec, name }) => program(name, runArgs(spec, ctx), ctx, release.length > 0 ? GATED_SETTINGS : PROGRAM_SETTINGS)),
  ];
  const releaseNote = ctx.releasePhase
    ? `; Release phase: ${app}-release runs first, once per start of supervisord; the other programs wait for its success.\n`
    : '';
  const conf = `${header(FORMAT, ';')}${releaseNote}
[group:${app}]
programs=${[...release, ...programs].map((p) => p.name).join(',')}
${sections.join('')}`;

  const env = `${header(FORMAT)}${Object.entries(ctx.config).map(([k, v]) => `${shellExport(k, v)}\n`).join('')}`;
  return [
    { path: `${app}.conf`, content: conf },
    { path: `${app}.env`, content: env, secret: true },
    { path: `${app}.run`, content: runScript(instances, ctx), mode: 0o755 },
  ];
}

/** How long a program waits for the release phase to succeed before it gives up (and is retried). */
export const RELEASE_WAIT_SEC = 600;

/** The release runs once: it is up at once (`startsecs=0`), and its exit is never restarted. */
const RELEASE_SETTINGS = 'autorestart=false\nexitcodes=0\nstartsecs=0\nstartretries=0\npriority=100';
const PROGRAM_SETTINGS = 'autorestart=unexpected\nexitcodes=0\nstartsecs=1';
/** Started after the release (spawned later; they wait for its marker anyway). */
const GATED_SETTINGS = `${PROGRAM_SETTINGS}\npriority=200`;

function program(name: string, args: string, ctx: ExportContext, settings: string): string {
  return `
[program:${name}]
command=/bin/sh "%(here)s/${ctx.app}.run" ${args}
autostart=true
${settings}
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
${ctx.releasePhase ? releaseGate(ctx.app, ctx.releasePhase.command) : ''}case $type in
${cases}  *) echo "${ctx.app}.run: unknown process type: $type" >&2; exit 64 ;;
esac
`;
}

/**
 * Under supervisord (which sets SUPERVISOR_ENABLED), the release writes ok.KEY or failed.KEY in
 * a folder of the user's own, KEY being supervisord's pid and start time (so a marker of an
 * earlier run, even under a reused pid, never counts); every other type waits for ok.KEY. Run by
 * hand, APP.run just runs the command.
 */
function releaseGate(app: string, releaseCommand: string): string {
  return `if [ -n "\${SUPERVISOR_ENABLED-}" ]; then
  gate=\${TMPDIR:-/tmp}/${app}-release.$(id -u)
  mkdir -m 700 "$gate" 2>/dev/null || :
  if [ -L "$gate" ] || [ ! -d "$gate" ] || [ ! -O "$gate" ]; then
    echo "${app}.run: $gate is not a folder of this user's own; remove it" >&2
    exit 70
  fi
  # supervisord's start time: field 22 of /proc/PID/stat, counted after the ")" that ends its name.
  key=$PPID.$(sed 's/.*) //' "/proc/$PPID/stat" | cut -d ' ' -f 20)
  if [ "$type" = release ]; then
    rm -f "$gate/ok.$key" "$gate/failed.$key"
    status=0
    /bin/sh -c ${shellQuote(releaseCommand)} || status=$?
    if [ "$status" -eq 0 ]; then : >"$gate/ok.$key"; else : >"$gate/failed.$key"; fi
    exit "$status"
  fi
  waited=0
  until [ -e "$gate/ok.$key" ]; do
    if [ -e "$gate/failed.$key" ]; then
      echo "${app}.run: the release phase failed: not starting $type (see ${app}-release's log)" >&2
      exit 75
    fi
    if [ "$waited" -ge ${RELEASE_WAIT_SEC} ]; then
      echo "${app}.run: the release phase has not succeeded after ${RELEASE_WAIT_SEC} s: not starting $type yet" >&2
      exit 75
    fi
    if [ "$waited" -eq 0 ]; then echo "${app}.run: waiting for the release phase (${app}-release) to succeed" >&2; fi
    sleep 1
    waited=$((waited + 1))
  done
fi
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
