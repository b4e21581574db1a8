// What `dozen start` plugs into a supervisor before it runs: the printer, the log store, the
// control server. Each attaches itself and returns how to detach (flush, close) once the run ends.
import type { LoadedApp } from '../app/load-app.js';
import type { FormationModel, LogFeed, RoutedView } from '../control/api.js';
import type { Plan } from '../app/plan.js';
import type { TimestampFormat } from '../logs/timestamp.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export interface StartContext {
  app: LoadedApp;
  /** The app's folder, where its state folder is: the app root, or with --release the folder named by -d (the app runs in its build). */
  stateRoot: string;
  plan: Plan;
  /** Whether the release phase runs (it has a Procfile entry and no --no-release). */
  runsRelease: boolean;
  output: {
    color: boolean;
    timestamps: boolean;
    prefix: boolean;
    timestampFormat: TimestampFormat;
  };
  /** With --release: the running release's model, and how to load another's (for a switch). */
  model?: FormationModel;
  releaseModel?: (version: number) => FormationModel;
  /** Set by the log store's attachment once the store is open: what the control API's `logs` reads. */
  logs?: LogFeed | undefined;
  /** Set by the router's attachment once it listens: what `dozen ps` shows of it, what restarts surge. */
  router?: RoutedView | undefined;
  /** Sources of output beside the formation's instances (`router`): the printer lines them up too. */
  sources?: string[];
}

export type Detach = () => void | Promise<void>;

/** Attach to the supervisor (subscribe, serve...); may be async; throwing aborts the start. */
export type Attachment = (supervisor: Supervisor, ctx: StartContext) => Detach | Promise<Detach>;
