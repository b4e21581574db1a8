// From the live formation to a new one: which instances to start and which to stop. Pure.
import type { ProcessSpec } from '../formation/types.js';

export interface ScaleDiff {
  /** New instances, in the target's (formation) order: lowest-numbered first. */
  add: ProcessSpec[];
  /** Instances to stop and drop, highest-numbered first. */
  remove: string[];
}

/**
 * `target` is the full expansion of the new formation (formula ports, `type.1..type.N`).
 * Instances present in both are left alone (running or stopped, with their current spec),
 * so scaling `web` never touches `worker` and `web=3` after `web=2` only starts `web.3`.
 */
export function diffFormation(current: readonly ProcessSpec[], target: readonly ProcessSpec[]): ScaleDiff {
  const currentNames = new Set(current.map((s) => s.name));
  const targetNames = new Set(target.map((s) => s.name));
  const add = target.filter((s) => !currentNames.has(s.name));
  const remove = current
    .filter((s) => !targetNames.has(s.name))
    .sort((a, b) => b.index - a.index || typeOrder(current, a.type) - typeOrder(current, b.type))
    .map((s) => s.name);
  return { add, remove };
}

function typeOrder(specs: readonly ProcessSpec[], type: string): number {
  return specs.findIndex((s) => s.type === type);
}
