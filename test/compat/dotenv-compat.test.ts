// Runs every vector of ../shared/compat/dotenv.json (the peers' own test expectations) through
// loadEnv, following the corpus README: env_before is the whole inherited environment, an array
// input is several files in load order, options.override and the expand flag are honoured.
// Vectors where dozen's chosen dialect differs are listed below with the reason (grouped as in
// docs/differences.md); the test fails on an unlisted failure AND on a listed vector that passes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEnv } from '../../src/env/load-env.js';
import type { EnvOptions } from '../../src/env/types.js';
import { loadVectors, readDifferencesDoc, SKIP_REASON } from './load-vectors.js';

interface DotenvVector {
  id: string;
  source: string;
  input: string | string[];
  env_before: Record<string, string>;
  expect: Record<string, string | null> | { error: true };
  expand: boolean;
  match: 'exact' | 'subset';
  absent?: string[];
  expect_env?: Record<string, string | null>;
  options?: { override?: boolean | 'warn'; cli_run?: boolean; [other: string]: unknown };
  line_errors?: number[];
}

/** Why a group of vectors differs; each group has a paragraph in docs/differences.md. */
const Reason = {
  hashComment: 'a `#` starts a comment only after whitespace (dotenv and node-foreman cut at any `#`)',
  dotenvEscapes: 'double quotes unescape `\\\\` and `\\"` (dotenv keeps the backslashes)',
  unknownEscapes:
    'double quotes process only `\\n \\r \\t \\\\ \\" \\$`; any other backslash is kept (compose also has `\\a \\b \\f \\v \\0NNN`, godotenv drops the backslash)',
  literalSingleQuotes: 'single quotes are fully literal: no escapes (`\\\'` keeps its backslash), no expansion',
  noEscapesUnquoted: 'no escape processing in unquoted values (bkeepers and honcho unescape them)',
  linebreakMode: 'double-quoted `\\n`/`\\r` are always a newline/CR (bkeepers 3.x keeps them unless DOTENV_LINEBREAK_MODE=legacy)',
  laterFileWins: 'with several files a later file wins (dotenv and bkeepers keep the first)',
  envWins: 'the inherited environment wins unless --override (this peer lets .env win)',
  childView: 'a key and every reference to it resolve to the value the child gets, inherited environment first',
  noForwardRefs: 'single pass: a reference to a key defined further down sees only the environment',
  dollarDollar: '`$$` is a literal `$` (dotenv-expand keeps `$$`)',
  bareDollarVar: '`$VAR` without braces is expanded (python-dotenv only expands `${VAR}`)',
  keyRules: 'keys are `[A-Za-z_][A-Za-z0-9_.-]*`; any other key is an error (peers accept more, or drop it silently)',
  invalidLineIsError: 'a line that is not an assignment is an error, not silently skipped',
  yamlStyle: '`KEY: value` is accepted (python-dotenv rejects it)',
  bareKey: 'a bare `KEY` takes the inherited value or is dropped without error (no None value, no error)',
  commandSubstitution: 'not applicable: `$(...)` is never run; it stays as written',
  jsonEnv: 'not applicable: JSON env files (a node-foreman extension) are not supported',
} as const;

interface KnownDifference {
  reason: string;
  /** Options with which the vector must then pass (the switch that gives the peer's behaviour). */
  passesWith?: Partial<EnvOptions>;
}

/** Vector id -> why dozen's dialect differs from that peer's test. */
const KNOWN_DIFFERENCES: Record<string, KnownDifference> = {
  ...group(Reason.hashComment, ['env-dotenv-029', 'env-dotenv-047', 'env-nodeforeman-005']),
  ...group(Reason.dotenvEscapes, ['env-dotenv-054']),
  ...group(Reason.unknownEscapes, [
    'env-compose-025', 'env-compose-040', 'env-compose-041', 'env-compose-042', 'env-compose-048',
    'env-godotenv-032', 'env-godotenv-033', 'env-godotenv-034',
  ]),
  ...group(Reason.literalSingleQuotes, [
    'env-pydotenv-027', 'env-pydotenv-056', 'env-compose-067', 'env-dotenvexpand-040', 'env-honcho-015',
  ]),
  ...group(Reason.noEscapesUnquoted, ['env-bkeepers-003', 'env-honcho-009']),
  ...group(Reason.linebreakMode, ['env-bkeepers-028', 'env-bkeepers-029', 'env-bkeepers-058']),
  ...group(Reason.laterFileWins, ['env-dotenv-060', 'env-dotenv-061', 'env-bkeepers-065']),
  // python-dotenv's `dotenv run` and node-foreman let .env win by default.
  ...group(Reason.envWins, ['env-pydotenv-074', 'env-nodeforeman-008'], { override: true }),
  ...group(Reason.childView, ['env-compose-084', 'env-compose-090', 'env-pydotenv-063', 'env-bkeepers-064']),
  ...group(Reason.noForwardRefs, ['env-dotenvexpand-053']),
  ...group(Reason.dollarDollar, ['env-dotenvexpand-039', 'env-dotenvexpand-044']),
  ...group(Reason.bareDollarVar, ['env-pydotenv-047']),
  ...group(Reason.keyRules, [
    'env-pydotenv-003', 'env-pydotenv-004', 'env-pydotenv-007', 'env-pydotenv-043',
    'env-honcho-005', 'env-honcho-013', 'env-godotenv-035', 'env-compose-044', 'env-compose-091',
  ]),
  // compose's Read() drops the key "456" silently; --env-lenient skips it with a warning.
  ...group(Reason.keyRules, ['env-compose-061', 'env-compose-063', 'env-compose-064', 'env-compose-087'], { lenient: true }),
  ...group(Reason.invalidLineIsError, ['env-bkeepers-033'], { lenient: true }),
  ...group(Reason.yamlStyle, ['env-pydotenv-031']),
  ...group(Reason.bareKey, ['env-pydotenv-030', 'env-pydotenv-072', 'env-bkeepers-027']),
  ...group(Reason.commandSubstitution, [
    'env-bkeepers-050', 'env-bkeepers-051', 'env-bkeepers-053', 'env-bkeepers-054', 'env-bkeepers-055',
    'env-bkeepers-061', 'env-dotenvexpand-052',
  ]),
  ...group(Reason.jsonEnv, ['env-nodeforeman-006']),
};

function group(reason: string, ids: string[], passesWith?: Partial<EnvOptions>): Record<string, KnownDifference> {
  return Object.fromEntries(ids.map((id) => [id, passesWith ? { reason, passesWith } : { reason }]));
}

interface Outcome {
  ok: boolean;
  why: string;
}

/** The options the README's harness rules give for a vector. */
function optionsFor(v: DotenvVector): EnvOptions {
  return {
    override: v.options?.override === true,
    expand: v.expand,
    lenient: v.line_errors !== undefined,
  };
}

function runVector(v: DotenvVector, opts: EnvOptions): Outcome {
  const texts = Array.isArray(v.input) ? v.input : [v.input];
  const files = texts.map((text, i) => ({ path: texts.length === 1 ? '.env' : `.env${i + 1}`, text }));
  const loaded = loadEnv(files, { ...v.env_before }, opts);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');

  if ('error' in v.expect && v.expect.error === true) {
    return errors.length > 0 ? pass() : fail('expected an error, got none');
  }
  if (errors.length > 0) return fail(`unexpected error: ${errors[0]!.line}: ${errors[0]!.message}`);
  if (v.line_errors) {
    const lines = loaded.diagnostics.map((d) => d.line);
    if (JSON.stringify(lines) !== JSON.stringify(v.line_errors)) {
      return fail(`expected warnings on lines ${v.line_errors.join(',')}, got ${lines.join(',') || 'none'}`);
    }
  }

  // What the load yields per key. Peers' load tests report the file's value in their parse result
  // even when the environment wins, so there the shadowed file value is the one to compare.
  const result = new Map<string, string>();
  for (const envVar of loaded.vars) {
    result.set(envVar.key, v.expect_env && envVar.shadowed ? envVar.shadowed.value : envVar.value);
  }
  const expect = v.expect as Record<string, string | null>;
  for (const [key, value] of Object.entries(expect)) {
    if (value === null) return fail(`${key}: expected a key without a value`);
    if (result.get(key) !== value) return fail(`${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(result.get(key))}`);
  }
  if (v.match === 'exact' && result.size !== Object.keys(expect).length) {
    const extra = [...result.keys()].filter((k) => !(k in expect));
    return fail(`exact match: unexpected keys ${extra.join(', ')}`);
  }
  for (const key of v.absent ?? []) {
    if (result.has(key)) return fail(`${key}: expected absent`);
  }

  // The child's environment: the inherited one plus the loaded vars (which already honour precedence).
  if (v.expect_env) {
    const env: Record<string, string> = { ...v.env_before };
    for (const envVar of loaded.vars) env[envVar.key] = envVar.value;
    for (const [key, value] of Object.entries(v.expect_env)) {
      if ((env[key] ?? null) !== value) return fail(`env ${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(env[key])}`);
    }
  }
  return pass();
}

const pass = (): Outcome => ({ ok: true, why: '' });
const fail = (why: string): Outcome => ({ ok: false, why });

const vectors = loadVectors<DotenvVector>('dotenv.json');

test('dotenv compat corpus (../shared/compat/dotenv.json)', { skip: vectors ? false : SKIP_REASON, timeout: 60_000 }, () => {
  const problems: string[] = [];
  const ids = new Set((vectors ?? []).map((v) => v.id));
  for (const id of Object.keys(KNOWN_DIFFERENCES)) {
    if (!ids.has(id)) problems.push(`${id}: listed as a known difference but not in the corpus`);
  }
  for (const v of vectors ?? []) {
    const outcome = runVector(v, optionsFor(v));
    const known = KNOWN_DIFFERENCES[v.id];
    if (!known) {
      if (!outcome.ok) problems.push(`${v.id}: ${outcome.why}  [${v.source}]`);
      continue;
    }
    if (outcome.ok) problems.push(`${v.id}: listed as a known difference (${known.reason}) but now passes`);
    if (known.passesWith) {
      const withSwitch = runVector(v, { ...optionsFor(v), ...known.passesWith });
      if (!withSwitch.ok) problems.push(`${v.id}: should pass with ${JSON.stringify(known.passesWith)}: ${withSwitch.why}`);
    }
  }
  assert.deepEqual(problems, [], `${problems.length} compat problems:\n${problems.join('\n')}`);
});

test('every .env known difference is explained in docs/differences.md', { timeout: 5_000 }, () => {
  const doc = readDifferencesDoc();
  const section = doc.slice(doc.indexOf('## .env files'));
  const missing = Object.keys(KNOWN_DIFFERENCES).filter((id) => !section.includes(`\`${id}\``));
  assert.deepEqual(missing, []);
});
