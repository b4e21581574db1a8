// `dozen scale web=3 worker=0`: turns a scale spec into the instances to add and remove.
import { DozenError } from '../errors.js';
import type { ProcessSpec } from '../formation/types.js';
import { diffFormation, type ScaleDiff } from './scale-diff.js';

/** What the control server calls for `scale`; throws DozenError('formation') on a bad spec. */
export type Scaler = (spec: string) => ScaleDiff;

export interface ScalerOptions {
  /**
   * The full expansion of a formation string for the app already loaded by `dozen start`:
   * `(f) => planInstances(app, {formation: f, port}).instances` (without start's positional
   * types, so any Procfile type can be scaled): formula ports, the config the running instances
   * have. Throws DozenError('formation') on a bad spec.
   */
  plan: (formation: string) => ProcessSpec[];
  /** The live formation (SupervisorHandle.specs). */
  current: () => ProcessSpec[];
}

/**
 * Only the types the spec names change: `web=3` leaves `worker` as it is, although a formation
 * given to `dozen start -m web=3` would run no worker. `all=N` names every type.
 */
export function createScaler(opts: ScalerOptions): Scaler {
  return (spec) => {
    if (spec.trim() === '') {
      throw new DozenError('formation', 'expected TYPE=N pieces such as web=3 or worker=0, got nothing');
    }
    const target = opts.plan(spec); // validates names and counts
    const named = new Set(spec.split(',').map((p) => (p.replace(/\s+/g, '').split('=')[0] ?? '')));
    const changes = (s: ProcessSpec) => named.has('all') || named.has(s.type);
    return diffFormation(opts.current().filter(changes), target.filter(changes));
  };
}

/** Joins `scale` arguments: `web=3 worker=0` and `web=3,worker=0` mean the same. */
export function joinScaleArgs(args: readonly string[]): string {
  return args
    .flatMap((a) => a.split(/[\s,]+/))
    .filter((p) => p.length > 0)
    .join(',');
}
