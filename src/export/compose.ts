// docker compose: compose.yaml with one service per process type (deploy.replicas = the
// formation count). The config goes to APP.env (env_file) in the form every compose parser reads
// back unchanged; a value that form cannot hold (a `'`, `${`, `\\`, control characters) goes to
// APP.env.sh, POSIX shell syntax, mounted as a compose secret and sourced before the command runs.
// Secrets never land in compose.yaml itself.
import { relative } from 'node:path';
import type { ProcessSpec } from '../formation/types.js';
import { shellExport } from '../env/shell-quote.js';
import { execCommand } from '../platform/exec-command.js';
import { composeEnvFileValue, composeLiteral } from './compose-env.js';
import { header } from './header.js';
import { countsByType, requireShellNames, typeName } from './instance-env.js';
import type { ExportContext, ExportFile } from './types.js';
import { toYaml } from './yaml-text.js';

const FORMAT = 'compose';

export function renderCompose(instances: readonly ProcessSpec[], ctx: ExportContext): ExportFile[] {
  const app = ctx.app;
  const envFileLines: string[] = [];
  const shellLines: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(ctx.config)) {
    const quoted = composeEnvFileValue(value);
    if (quoted === undefined) shellLines.push([key, value]);
    else envFileLines.push(`${key}=${quoted}\n`);
  }
  requireShellNames(`compose (${app}.env.sh, for values env_file cannot hold)`, shellLines.map(([k]) => k));
  const secret = shellLines.length > 0 ? `${app}-env` : undefined;

  const services: Record<string, unknown> = {};
  const releaseName = ctx.releasePhase ? 'release' : undefined;
  if (ctx.releasePhase) {
    services.release = service(ctx.releasePhase, 'release', ctx, { secret, hasEnvFile: envFileLines.length > 0 });
  }
  for (const [type, { count, first }] of countsByType(instances)) {
    services[typeName(ctx.typeNames, type)] = service(first, type, ctx, {
      secret,
      hasEnvFile: envFileLines.length > 0,
      replicas: count,
      dependsOn: releaseName,
    });
  }

  const doc: Record<string, unknown> = { services };
  if (secret) doc.secrets = { [secret]: { file: `./${app}.env.sh` } };
  const files: ExportFile[] = [{ path: 'compose.yaml', content: `${header(FORMAT)}${toYaml(doc)}` }];
  if (envFileLines.length > 0) files.push({ path: `${app}.env`, content: `${header(FORMAT)}${envFileLines.join('')}`, secret: true });
  if (secret) {
    files.push({ path: `${app}.env.sh`, content: `${header(FORMAT)}${shellLines.map(([k, v]) => `${shellLine(k, v)}\n`).join('')}`, secret: true });
  }
  return files;
}

interface ServiceOptions {
  secret: string | undefined;
  hasEnvFile: boolean;
  replicas?: number;
  dependsOn?: string | undefined;
}

function service(spec: ProcessSpec, type: string, ctx: ExportContext, opts: ServiceOptions): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (ctx.image) s.image = composeLiteral(ctx.image);
  else s.build = composeLiteral(relative(ctx.outDir, ctx.root) || '.');
  s.command = command(spec.command, opts.secret);
  if (opts.hasEnvFile) s.env_file = [`${ctx.app}.env`];
  // One container per replica, each in its own network namespace: all replicas use the type's
  // base port. PS and DYNO name the type; compose has no per-replica index to put there.
  const own: Record<string, string> = { PS: type, DYNO: type };
  if (spec.port !== undefined) own.PORT = String(spec.port);
  s.environment = own;
  if (type === 'web' && spec.port !== undefined && opts.replicas !== undefined) {
    const last = spec.port + opts.replicas - 1;
    // A host port range, one per replica, so several replicas can publish at once.
    s.ports = [opts.replicas > 1 ? `${spec.port}-${last}:${spec.port}` : `${spec.port}:${spec.port}`];
  }
  if (opts.secret) s.secrets = [opts.secret];
  if (opts.dependsOn) s.depends_on = { [opts.dependsOn]: { condition: 'service_completed_successfully' } };
  if (opts.replicas !== undefined) s.deploy = { replicas: opts.replicas };
  s.restart = opts.replicas === undefined ? 'no' : 'on-failure';
  s.init = true;
  s.stop_grace_period = `${ctx.timeoutSec}s`;
  return s;
}

/** Variables a service sets itself in `environment:`; sourcing the secret must not undo them. */
const OWN_KEYS = new Set(['PORT', 'PS', 'DYNO']);

/** `export KEY='v'`; for PORT/PS/DYNO only when the service has not set them. */
function shellLine(key: string, value: string): string {
  return OWN_KEYS.has(key) ? `[ "\${${key}+set}" = set ] || ${shellExport(key, value)}` : shellExport(key, value);
}

/**
 * `sh -c COMMAND`, or with the shell-syntax secret sourced first. `$` doubled for compose. `exec`
 * before a simple command, so the stop signal reaches the app, not only the sh in front of it.
 */
function command(text: string, secret: string | undefined): string[] {
  const line = execCommand(text);
  if (!secret) return ['sh', '-c', composeLiteral(line)];
  return ['sh', '-c', composeLiteral(`. /run/secrets/${secret} && exec sh -c "$1"`), 'sh', composeLiteral(line)];
}
