// systemd: APP.target wants one instance of a template unit per process: APP-web@1.service,
// APP-web@2.service... Template units keep one file per type (the command is written once); each
// instance's PORT/PS/DYNO come from its own EnvironmentFile, read after the app's config file so
// the instance's values win, as they do under `dozen start`. The release phase is a oneshot unit
// every instance Requires=, so it runs (once) before the formation starts.
import type { ProcessSpec } from '../formation/types.js';
import { header } from './header.js';
import { userName } from './names.js';
import { countsByType, instanceVars, requireShellNames, typeName } from './instance-env.js';
import { systemdEnvLine, systemdExecWord, systemdPath } from './systemd-quote.js';
import type { ExportContext, ExportFile } from './types.js';

const FORMAT = 'systemd';

export function renderSystemd(instances: readonly ProcessSpec[], ctx: ExportContext): ExportFile[] {
  requireShellNames(FORMAT, [...Object.keys(ctx.config), ...instances.flatMap((s) => Object.keys(s.env))]);
  const app = ctx.app;
  const files: ExportFile[] = [];
  const releasePhase = ctx.releasePhase && { unit: `${app}-release.service`, spec: ctx.releasePhase };

  files.push({ path: `${app}.env`, content: envFile(Object.entries(ctx.config)), secret: true });

  const wanted: string[] = [];
  for (const [type, { first }] of countsByType(instances)) {
    const unitBase = `${app}-${typeName(ctx.typeNames, type)}`;
    files.push({ path: `${unitBase}@.service`, content: instanceUnit(unitBase, type, first, ctx, releasePhase?.unit) });
    for (const spec of instances.filter((s) => s.type === type)) {
      wanted.push(`${unitBase}@${spec.index}.service`);
      files.push({ path: `${unitBase}.${spec.index}.env`, content: envFile(instanceVars(spec, ctx.config)) });
    }
  }
  if (releasePhase) {
    files.push({ path: `${app}-release.env`, content: envFile(instanceVars(releasePhase.spec, ctx.config)) });
    files.push({ path: releasePhase.unit, content: releaseUnit(releasePhase.spec, ctx) });
  }
  files.push({ path: `${app}.target`, content: target(app, wanted) });
  return files;
}

function target(app: string, wanted: string[]): string {
  return `${header(FORMAT)}[Unit]
Description=${app}: the whole formation
Wants=${wanted.join(' ')}

[Install]
WantedBy=multi-user.target
`;
}

function instanceUnit(unitBase: string, type: string, spec: ProcessSpec, ctx: ExportContext, releaseUnit: string | undefined): string {
  const after = ['network.target', ...(releaseUnit ? [releaseUnit] : [])];
  return `${header(FORMAT)}[Unit]
Description=${ctx.app}: ${type}.%i
PartOf=${ctx.app}.target
After=${after.join(' ')}
${releaseUnit ? `Requires=${releaseUnit}\n` : ''}
[Service]
Type=simple
${serviceCommon(ctx, `${unitBase}.%i.env`, spec.command)}Restart=on-failure
SyslogIdentifier=${unitBase}.%i
`;
}

function releaseUnit(spec: ProcessSpec, ctx: ExportContext): string {
  return `${header(FORMAT)}[Unit]
Description=${ctx.app}: release phase, run once before the formation starts
PartOf=${ctx.app}.target
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
${serviceCommon(ctx, `${ctx.app}-release.env`, spec.command)}SyslogIdentifier=${ctx.app}-release
`;
}

/** Settings every service shares: user, folder, config, command, stopping, logging. */
function serviceCommon(ctx: ExportContext, instanceEnvFile: string, command: string): string {
  const dir = systemdPath(ctx.outDir, 'the export folder');
  return [
    ...(ctx.user ? [`User=${userName(ctx.user)}`] : []),
    `WorkingDirectory=${systemdPath(ctx.root, 'the app root')}`,
    `EnvironmentFile=${dir}/${ctx.app}.env`,
    `EnvironmentFile=${dir}/${instanceEnvFile}`,
    `ExecStart=/bin/sh -c ${systemdExecWord(command)}`,
    'KillMode=control-group',
    `TimeoutStopSec=${ctx.timeoutSec}`,
    'StandardOutput=journal',
    'StandardError=journal',
    '',
  ].join('\n');
}

function envFile(vars: Array<[string, string]>): string {
  return `${header(FORMAT)}${vars.map(([k, v]) => `${systemdEnvLine(k, v)}\n`).join('')}`;
}
