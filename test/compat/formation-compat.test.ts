// Every vector of ../shared/compat/formation.json that maps onto dozen's pure functions
// (parseFormation, resolveBasePort, expandFormation); the rest are listed as not applicable.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DozenError } from '../../src/errors.js';
import { resolveBasePort } from '../../src/formation/base-port.js';
import { expandFormation } from '../../src/formation/expand.js';
import { parseFormation } from '../../src/formation/parse-formation.js';
import type { Formation } from '../../src/formation/types.js';
import { checkAgainstKnown, loadVectors, readDifferencesDoc, SKIP_REASON } from './load-vectors.js';

type Scalar = string | number;

interface FormationVector {
  id: string;
  kind: 'counts' | 'instances' | 'base_port' | 'procfile_path' | 'config';
  input: string | null;
  process_types: string[];
  expect: {
    error?: true;
    counts?: Record<string, number>;
    instances?: Array<{ name: string; port?: string | null; env?: Record<string, string> }>;
    port?: Scalar;
  };
  match?: 'exact' | 'subset';
  absent?: string[];
  concurrency?: Record<string, number>;
  /** An explicit base port (honcho's `port=` argument). */
  port?: number;
  /** The app env given to the expander (honcho's `env=`). */
  env?: Record<string, Scalar>;
  os_env?: Record<string, string>;
  dotenv?: Record<string, string>;
  dotenv_text?: string;
  cli?: { port?: string; process?: string };
}

/** Vectors where dozen deliberately differs from that peer; each is explained in docs/differences.md. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'form-honcho-005': 'every instance gets a PORT (base 5000 by default); honcho sets none when given no port',
  'form-honcho-010': '-p/--port beats PORT; inside honcho\'s expand_processes the env PORT beats the port argument',
  'form-honcho-012': 'instances get PS and DYNO, not HONCHO_PROCESS_NAME',
  'form-honcho-016': 'the inherited PORT beats the .env PORT unless --override',
  'form-forego-014': 'the inherited PORT beats the .env PORT unless --override',
  'form-forego-015': 'the inherited PORT beats the .env PORT unless --override, so an invalid .env PORT under a valid inherited one is not used',
  'form-nodeforeman-003': 'instances get PS and DYNO, not FOREMAN_WORKER_NAME',
};

/** Vectors about behaviour outside these functions, with the reason. */
const NOT_APPLICABLE: Record<string, string> = {
  'form-honcho-018': 'Procfile path selection is the CLI\'s job (-f / DOZEN_PROCFILE), not formation\'s',
  'form-honcho-019': 'dozen reads DOZEN_PROCFILE, not PROCFILE, and that is the CLI\'s job',
  'form-honcho-020': 'dozen does not read PROCFILE from .env; the Procfile path is a CLI option',
  'form-honcho-021': 'Procfile path selection is the CLI\'s job (-f / DOZEN_PROCFILE)',
  'form-foreman-010': 'dozen has no .foreman file; DOZEN_FORMATION sets -m',
  'form-foreman-011': 'dozen has no .foreman file; DOZEN_FORMATION sets -m',
  'form-forego-016': 'dozen has no .forego file; DOZEN_<FLAG> variables set the flags',
};

/** With --override the .env wins, and these peers' precedence is matched (see docs). */
const PASS_WITH_OVERRIDE = ['form-honcho-016', 'form-forego-014', 'form-forego-015'];

const vectors = loadVectors<FormationVector>('formation.json');

/**
 * The vectors' .env texts are plain KEY=value lines; this reads just that (the .env parser has its
 * own compat test).
 */
function plainDotenv(text: string | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return vars;
}

/** The app's config as the child sees it: .env under the app env given to the expander. */
function appConfig(v: FormationVector): Record<string, string> {
  const given = Object.fromEntries(Object.entries(v.env ?? {}).map(([k, val]) => [k, String(val)]));
  return { ...plainDotenv(v.dotenv_text), ...v.dotenv, ...given };
}

/**
 * The PORT the child sees, by dozen's precedence: inherited environment over .env, or the
 * reverse with --override. (loadEnv applies that rule for real; this restates it for the vector.)
 */
function childPort(v: FormationVector, override: boolean): string | undefined {
  const inherited = v.os_env?.PORT;
  const fromFiles = appConfig(v).PORT;
  return override ? fromFiles ?? inherited : inherited ?? fromFiles;
}

/** The explicit base port: honcho's `port=` argument or the CLI's -p. */
const portFlag = (v: FormationVector): string | undefined => (v.port !== undefined ? String(v.port) : v.cli?.port);

/** The types the formation is checked against: the Procfile's, or (forego's parser has no Procfile) the ones its tests name. */
function typesOf(v: FormationVector): string[] {
  if (v.process_types.length > 0) return v.process_types;
  return v.expect.counts ? Object.keys(v.expect.counts) : ['foo', 'bar'];
}

/** The formation for an `instances` vector: a concurrency mapping becomes `k=v,...`. */
function formationOf(v: FormationVector): Formation {
  const spec = v.concurrency ? Object.entries(v.concurrency).map(([k, n]) => `${k}=${n}`).join(',') : v.input ?? undefined;
  return parseFormation(spec, v.process_types);
}

const entriesOf = (types: string[]) => types.map((name, i) => ({ name, command: `./${name}`, line: i + 1 }));

/** Runs a vector; returns what differs from the peer, or undefined when dozen agrees. */
function mismatch(v: FormationVector, override = false): string | undefined {
  let outcome: unknown;
  try {
    outcome = run(v, override);
  } catch (err) {
    if (!(err instanceof DozenError)) throw err;
    return v.expect.error ? undefined : `unexpected error: ${err.oneLine()}`;
  }
  if (v.expect.error) return `expected an error, got ${JSON.stringify(outcome)}`;
  return compare(v, outcome);
}

function run(v: FormationVector, override: boolean): unknown {
  switch (v.kind) {
    case 'counts': {
      const types = typesOf(v);
      if (v.cli?.process === undefined) return Object.fromEntries(parseFormation(v.input ?? undefined, types));
      // `foreman start env`: the positional type selection.
      const { instances } = expandFormation({ entries: entriesOf(types), formation: parseFormation(undefined, types), basePort: 5000, env: {}, cwd: '/app', only: [v.cli.process] });
      return Object.fromEntries(types.map((t) => [t, instances.filter((s) => s.type === t).length]));
    }
    case 'base_port':
      return resolveBasePort(portFlag(v), childPort(v, override));
    case 'instances': {
      const basePort = resolveBasePort(portFlag(v), childPort(v, override));
      return expandFormation({ entries: entriesOf(v.process_types), formation: formationOf(v), basePort, env: appConfig(v), cwd: '/app' }).instances;
    }
    case 'procfile_path':
    case 'config':
      throw new Error(`${v.id}: kind ${v.kind} has no mapping; list it in NOT_APPLICABLE`);
  }
}

function compare(v: FormationVector, outcome: unknown): string | undefined {
  if (v.kind === 'counts') {
    const counts = outcome as Record<string, number>;
    const wrong = Object.entries(v.expect.counts ?? {}).filter(([t, n]) => counts[t] !== n);
    return wrong.length === 0 ? undefined : `counts ${JSON.stringify(counts)}, peer ${JSON.stringify(v.expect.counts)}`;
  }
  if (v.kind === 'base_port') {
    return outcome === Number(v.expect.port) ? undefined : `base port ${String(outcome)}, peer ${String(v.expect.port)}`;
  }
  const specs = outcome as ReturnType<typeof expandFormation>['instances'];
  const names = specs.map((s) => s.name);
  const wanted = v.expect.instances ?? [];
  if ((v.match ?? 'exact') === 'exact' && JSON.stringify(names) !== JSON.stringify(wanted.map((w) => w.name))) {
    return `instances ${JSON.stringify(names)}, peer ${JSON.stringify(wanted.map((w) => w.name))}`;
  }
  const present = (v.absent ?? []).filter((n) => names.includes(n));
  if (present.length > 0) return `instances ${JSON.stringify(present)} should not run`;
  for (const want of wanted) {
    const spec = specs.find((s) => s.name === want.name);
    if (!spec) return `no instance ${want.name} in ${JSON.stringify(names)}`;
    const port = spec.env.PORT ?? null;
    if (want.port !== undefined && port !== want.port) return `${want.name}: PORT ${String(port)}, peer ${String(want.port)}`;
    for (const [key, value] of Object.entries(want.env ?? {})) {
      if (spec.env[key] !== value) return `${want.name}: ${key}=${String(spec.env[key])}, peer ${value}`;
    }
  }
  return undefined;
}

describe('formation compatibility vectors', { skip: vectors ? false : SKIP_REASON }, () => {
  for (const v of vectors ?? []) {
    const na = NOT_APPLICABLE[v.id];
    if (na !== undefined) {
      test(`${v.id} (not applicable)`, { skip: na }, () => {});
      continue;
    }
    test(`${v.id}${KNOWN_DIFFERENCES[v.id] ? ' (known difference)' : ''}`, () => {
      checkAgainstKnown(v.id, mismatch(v), KNOWN_DIFFERENCES);
    });
  }

  test('with --override, the .env PORT wins as these peers expect', () => {
    for (const id of PASS_WITH_OVERRIDE) {
      const v = vectors?.find((x) => x.id === id);
      assert.ok(v, `${id} is in the corpus`);
      assert.equal(mismatch(v, true), undefined, id);
    }
  });

  test('the tables name vectors of the corpus, and only config/path vectors are not applicable', () => {
    const byId = new Map((vectors ?? []).map((v) => [v.id, v]));
    assert.deepEqual([...Object.keys(KNOWN_DIFFERENCES), ...Object.keys(NOT_APPLICABLE)].filter((id) => !byId.has(id)), []);
    const unmapped = (vectors ?? []).filter((v) => (v.kind === 'config' || v.kind === 'procfile_path') !== (v.id in NOT_APPLICABLE));
    assert.deepEqual(unmapped.map((v) => v.id), []);
  });
});

test('every known formation difference is documented in docs/differences.md', () => {
  const doc = readDifferencesDoc();
  assert.deepEqual(Object.keys(KNOWN_DIFFERENCES).filter((id) => !doc.includes(id)), []);
});
