// Procfile entries + formation + base port -> the instances to run. Pure: `start` (the
// supervisor) and every exporter share this one function, so they agree on names and ports.
import { DozenError } from '../errors.js';
import type { ProcfileEntry } from '../procfile/types.js';
import { RELEASE_TYPE } from '../procfile/types.js';
import { MAX_PORT, MIN_PORT } from './base-port.js';
import type { Formation, ProcessSpec } from './types.js';

/** Each process type owns a block of ports: web 5000-5099, worker 5100-5199, ... */
export const PORTS_PER_TYPE = 100;
/** More instances than ports in the block would collide with the next type's ports. */
export const MAX_INSTANCES_PER_TYPE = PORTS_PER_TYPE;

export interface ExpandInput {
  /** The Procfile's entries in file order (release included or not). */
  entries: ProcfileEntry[];
  /** Count per type; a type missing from the map runs 0 times. */
  formation: Formation;
  basePort: number;
  /** The app's config as the child sees it; every spec gets a copy plus PORT, PS and DYNO. */
  env: Record<string, string>;
  /** The app root: every process's working directory. */
  cwd: string;
  /** Types picked on the command line (`dozen start web worker`); empty or absent = all types. */
  only?: string[];
}

export interface Expansion {
  /** In Procfile order, then by instance number. */
  instances: ProcessSpec[];
  /** The Procfile's `release` entry, whenever there is one; whether to run it is the caller's call. */
  releasePhase: ProcessSpec | undefined;
}

export function expandFormation(input: ExpandInput): Expansion {
  const { entries, formation, basePort, env, cwd } = input;
  if (!Number.isInteger(basePort) || basePort < MIN_PORT || basePort > MAX_PORT) {
    throw new DozenError('internal', `base port must be a whole number from ${MIN_PORT} to ${MAX_PORT}, got ${basePort}`);
  }
  // Ports follow the type's place among ALL non-release types, so they stay the same whatever
  // the formation or selection: web is on 5000 whether or not worker runs.
  const types = entries.filter((e) => e.name !== RELEASE_TYPE);
  const selected = selectTypes(types.map((e) => e.name), input.only);

  const instances: ProcessSpec[] = [];
  types.forEach((entry, typeIndex) => {
    const count = instanceCount(entry.name, formation, selected);
    for (let n = 1; n <= count; n++) {
      const name = `${entry.name}.${n}`;
      const port = basePort + PORTS_PER_TYPE * typeIndex + (n - 1);
      if (port > MAX_PORT) {
        throw new DozenError('config', `${name} would get PORT ${port}, above ${MAX_PORT}.`, {
          hint: `Lower the base port (-p/--port or PORT, now ${basePort}): each process type takes the next ${PORTS_PER_TYPE} ports.`,
        });
      }
      instances.push({ name, type: entry.name, index: n, command: entry.command, port, env: { ...env, PORT: String(port), PS: name, DYNO: name }, cwd });
    }
  });

  // Heroku names release dynos `release.<n>`; DYNO keeps that `<type>.<n>` shape so apps that
  // parse it work, while PS and the log prefix say plain `release`. No PORT: it serves nothing.
  const releaseEntry = entries.find((e) => e.name === RELEASE_TYPE);
  const releasePhase: ProcessSpec | undefined = releaseEntry && {
    name: RELEASE_TYPE,
    type: RELEASE_TYPE,
    index: 1,
    command: releaseEntry.command,
    port: undefined,
    env: { ...env, PS: RELEASE_TYPE, DYNO: `${RELEASE_TYPE}.1` },
    cwd,
  };
  return { instances, releasePhase };
}

/** The set of types picked on the command line, checked against the Procfile; undefined = all. */
function selectTypes(types: string[], only: string[] | undefined): Set<string> | undefined {
  if (only === undefined || only.length === 0) return undefined;
  for (const type of only) {
    if (types.includes(type)) continue;
    const valid = types.length > 0 ? types.join(', ') : 'none, the Procfile has no process types';
    const hint = type === RELEASE_TYPE ? 'The release process runs once before the others; run it alone with "dozen run release".' : undefined;
    const message = `unknown process type "${type}": expected one of ${valid}`;
    throw new DozenError('usage', hint ? `${message}.` : message, hint ? { hint } : {});
  }
  return new Set(only);
}

/**
 * A type picked on the command line runs at its formation count, or once if the formation gives
 * it none (`dozen start web` runs web.1, as `foreman start web` does); the others do not run.
 */
function instanceCount(type: string, formation: Formation, selected: Set<string> | undefined): number {
  const count = formation.get(type) ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > MAX_INSTANCES_PER_TYPE) {
    throw new DozenError('formation', `formation gives "${type}" ${count} instances; expected 0 to ${MAX_INSTANCES_PER_TYPE}.`, {
      hint: `Each process type has a block of ${PORTS_PER_TYPE} ports, one per instance.`,
    });
  }
  if (selected === undefined) return count;
  return selected.has(type) ? Math.max(count, 1) : 0;
}
