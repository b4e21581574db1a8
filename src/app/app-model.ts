// A loaded app fixed to the base port it runs on: what `scale` and rollouts plan from. A running
// dozen holds the model of what it runs now; a rollout to a new app (a new release, a re-read
// working tree) swaps it, so instances added later get the new command and config.
import { DozenError } from '../errors.js';
import type { ProcessSpec } from '../formation/types.js';
import type { LoadedApp } from './load-app.js';
import { planInstances, processTypes } from './plan.js';

export interface AppModel {
  readonly app: LoadedApp;
  readonly basePort: number;
  /** The numbered release this model is (`v4`); undefined for a working tree. */
  readonly release: string | undefined;
  /** The full expansion of a formation string (`web=3,worker=1`): formula ports, this config. */
  instances(formation: string): ProcessSpec[];
  /** The spec `type.index` has in this model; throws DozenError('usage') for a type it lacks. */
  specFor(type: string, index: number): ProcessSpec;
  /** The Procfile's process types (the release phase is not one). */
  types(): string[];
}

export function appModel(app: LoadedApp, basePort: number, release?: string): AppModel {
  const port = String(basePort);
  const stamp = (spec: ProcessSpec): ProcessSpec => (release === undefined ? spec : { ...spec, release });
  return {
    app,
    basePort,
    release,
    instances: (formation) => planInstances(app, { formation, port }).instances.map(stamp),
    types: () => processTypes(app),
    specFor(type, index) {
      const spec = planInstances(app, { formation: `${type}=${index}`, port }).instances.find((s) => s.index === index && s.type === type);
      if (!spec) throw new DozenError('usage', `the app has no process type "${type}"`);
      return stamp(spec);
    },
  };
}
