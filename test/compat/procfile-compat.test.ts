// Every vector of ../shared/compat/procfile.json through parseProcfile. heroku/buildpacks-procfile
// vectors run with --strict (the Heroku rules); the other peers' with the default (foreman) rules.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../src/errors.js';
import { parseProcfile } from '../../src/procfile/parse.js';
import { checkAgainstKnown, loadVectors, readDifferencesDoc, SKIP_REASON } from './load-vectors.js';

interface ProcfileVector {
  id: string;
  source: string;
  input: string;
  expect: Array<{ name: string; command: string | null }> | { error: true };
  match: 'exact' | 'subset';
  ordered: boolean;
  /** How many warnings heroku's test asserts. */
  warnings?: number;
}

/** Vectors where dozen deliberately differs from that peer; each is explained in docs/differences.md. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'proc-honcho-004': 'a Procfile with no process is an error; honcho returns no processes',
  'proc-honcho-005': 'a line that does not parse is reported (and here leaves no process, an error); honcho drops it silently',
  'proc-dokku-001': 'an inline " # ..." stays in the command for the shell; procfile-util strips it',
  'proc-dokku-002': 'an inline " # ..." stays in the command for the shell; procfile-util strips it',
  'proc-dokku-004': '$PORT in a command is left for the shell; procfile-util substitutes 5000 when showing it',
  'proc-heroku-001': '--strict rejects uppercase names; Heroku lowercases them with a warning',
  'proc-heroku-007': 'an empty Procfile is an error; Heroku warns',
  'proc-heroku-013': 'leading whitespace is accepted without a warning; Heroku warns',
  'proc-heroku-021': 'trailing whitespace is trimmed from the command and leading whitespace is not warned about; Heroku keeps the spaces and warns',
  'proc-heroku-022': 'an empty Procfile is an error; Heroku warns',
};

const vectors = loadVectors<ProcfileVector>('procfile.json');

/** What differs between dozen's parse and the peer's assertion; undefined when they agree. */
function mismatch(v: ProcfileVector): string | undefined {
  const strict = v.source.startsWith('heroku/');
  const parsed = parseProcfile(v.input, 'Procfile', { strict });
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  const warnings = parsed.diagnostics.filter((d) => d.severity === 'warning');

  if (!Array.isArray(v.expect)) return errors.length > 0 ? undefined : `expected an error, got ${JSON.stringify(parsed.entries)}`;
  if (errors.length > 0) return `unexpected error: ${errors.join('; ')}`;

  const ours = parsed.entries.map((e) => e.name);
  const theirs = v.expect.map((e) => e.name);
  const sameNames = v.ordered ? JSON.stringify(ours) === JSON.stringify(theirs) : JSON.stringify([...ours].sort()) === JSON.stringify([...theirs].sort());
  if (v.match === 'exact' && !sameNames) return `names ${JSON.stringify(ours)}, peer ${JSON.stringify(theirs)}`;
  if (v.match === 'subset') {
    const found = theirs.map((n) => ours.indexOf(n));
    if (found.includes(-1)) return `names ${JSON.stringify(ours)} lack some of ${JSON.stringify(theirs)}`;
    if (v.ordered && found.some((at, i) => i > 0 && at < (found[i - 1] ?? 0))) return `names out of order: ${JSON.stringify(ours)}`;
  }
  for (const want of v.expect) {
    const got = parsed.entries.find((e) => e.name === want.name)?.command;
    if (want.command !== null && got !== want.command) return `${want.name}: command ${JSON.stringify(got)}, peer ${JSON.stringify(want.command)}`;
  }
  if (v.warnings !== undefined && warnings.length !== v.warnings) return `${warnings.length} warnings, peer ${v.warnings}`;
  return undefined;
}

describe('Procfile compatibility vectors', { skip: vectors ? false : SKIP_REASON }, () => {
  for (const v of vectors ?? []) {
    test(`${v.id}${KNOWN_DIFFERENCES[v.id] ? ' (known difference)' : ''}`, () => {
      checkAgainstKnown(v.id, mismatch(v), KNOWN_DIFFERENCES);
    });
  }

  test('every known difference names a vector of the corpus', () => {
    const ids = new Set((vectors ?? []).map((v) => v.id));
    assert.deepEqual(Object.keys(KNOWN_DIFFERENCES).filter((id) => !ids.has(id)), []);
  });
});

test('every known Procfile difference is documented in docs/differences.md', () => {
  const doc = readDifferencesDoc();
  assert.deepEqual(Object.keys(KNOWN_DIFFERENCES).filter((id) => !doc.includes(id)), []);
});
