// What every exporter receives and returns. Exporters are pure: the CLI reads the app, plans the
// instances, calls render(), and writes the files it gets back.
import type { ProcessSpec } from '../formation/types.js';
import type { ListenAddress } from './listen-address.js';

/** One file to write, relative to the export folder. */
export interface ExportFile {
  path: string;
  content: string;
  /** Unix permission bits; 0o644 when absent. */
  mode?: number;
  /** The file holds the app's config (secrets): written 0600 and named in a warning. */
  secret?: boolean;
}

export interface ExportContext {
  /** The app's name, already sanitised (names.ts). */
  app: string;
  /** Sanitised name per process type, `web` -> `web`, `Foo_Bar` -> `foo-bar`. */
  typeNames: ReadonlyMap<string, string>;
  /** Absolute app root: the working directory of every process. */
  root: string;
  /** Absolute folder the files are written to (systemd needs absolute EnvironmentFile paths). */
  outDir: string;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  timeoutSec: number;
  /** Run the processes as this user (systemd, supervisord). */
  user: string | undefined;
  /** Container image (kubernetes, compose). */
  image: string | undefined;
  /** The Procfile's release phase, when it has one. */
  releasePhase: ProcessSpec | undefined;
  /** The app's config as the processes see it, without the per-instance PORT, PS and DYNO. */
  config: Record<string, string>;
  /** Base port of the formation (the first web instance's PORT). */
  basePort: number;
  /** Where the front server takes requests for the web instances (nginx). */
  listen: ListenAddress;
}

export type Exporter = (instances: readonly ProcessSpec[], ctx: ExportContext) => ExportFile[];
