// An app and a formation -> the instances to run, with their ports and environments. Pure.
import { resolveBasePort } from '../formation/base-port.js';
import { expandFormation } from '../formation/expand.js';
import { parseFormation } from '../formation/parse-formation.js';
import type { ProcessSpec } from '../formation/types.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import type { LoadedApp } from './load-app.js';

export interface PlanOptions {
  /** `-m` spec; undefined runs every type once. */
  formation?: string;
  /** `-p` value. */
  port?: string;
  /** Positional types: only these run. */
  types?: string[];
}

export interface Plan {
  instances: ProcessSpec[];
  releasePhase: ProcessSpec | undefined;
  basePort: number;
}

/** The instances the formation asks for, with their ports and environments. */
export function planInstances(app: LoadedApp, opts: PlanOptions = {}): Plan {
  const types = processTypes(app);
  // An unknown type is expandFormation's usage error (valid types listed, `release` pointed to `dozen run`).
  const only = opts.types !== undefined && opts.types.length > 0 ? opts.types : undefined;
  const formation = parseFormation(opts.formation, types);
  // PORT as the child would see it: the env files' value after precedence, else the inherited one.
  const basePort = resolveBasePort(opts.port, app.config.PORT ?? app.inherited.PORT);
  const { instances, releasePhase } = expandFormation({
    entries: app.procfile.entries,
    formation,
    basePort,
    env: app.config,
    cwd: app.root,
    ...(only ? { only } : {}),
  });
  // A type's health path (web's, from app.json or --health-path) goes on each of its instances.
  const checked = instances.map((spec) => {
    const healthPath = app.healthPaths[spec.type];
    return healthPath === undefined ? spec : { ...spec, healthPath };
  });
  return { instances: checked, releasePhase, basePort };
}

/** The Procfile's non-release types, in file order (the order that decides ports). */
export function processTypes(app: LoadedApp): string[] {
  return app.procfile.entries.map((e) => e.name).filter((n) => n !== RELEASE_TYPE);
}

