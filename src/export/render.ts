// The export formats and the one entry point the CLI calls.
import { DozenError } from '../errors.js';
import { renderCompose } from './compose.js';
import { renderKubernetes } from './kubernetes.js';
import { renderNginx } from './nginx.js';
import { renderSupervisord } from './supervisord.js';
import { renderSystemd } from './systemd.js';
import type { Exporter } from './types.js';

export const EXPORTERS = {
  systemd: renderSystemd,
  supervisord: renderSupervisord,
  kubernetes: renderKubernetes,
  compose: renderCompose,
  nginx: renderNginx,
} as const satisfies Record<string, Exporter>;

export type ExportFormat = keyof typeof EXPORTERS;
export const FORMATS = Object.keys(EXPORTERS) as ExportFormat[];

/** `systemd` -> its exporter; anything else is a usage error listing the formats. */
export function exporterFor(format: string): Exporter {
  if (Object.hasOwn(EXPORTERS, format)) return EXPORTERS[format as ExportFormat];
  throw new DozenError('usage', `unknown export format "${format}": expected one of ${FORMATS.join(', ')}.`);
}
