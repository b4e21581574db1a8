// The doctor's run on fixture apps: each runs on a temp copy (what the app writes stays there),
// with facts read through loadApp (the static reader is not needed for the dynamic part), and a
// marker token of the test's own, so that after each run the test can look for leftovers.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadApp } from '../../../src/app/load-app.js';
import { DYNAMIC_CHECKS } from '../../../src/doctor/checks/dynamic.js';
import { observeApp, type ObserveOptions } from '../../../src/doctor/run/observe.js';
import { markedProcesses } from '../../../src/doctor/run/proc-watch.js';
import type { AppFacts, Finding, RunObservations } from '../../../src/doctor/types.js';
import { repoRoot } from '../../cli/helpers.js';

export const fixturesDir = join(repoRoot, 'test/fixtures/doctor');
export const cliPath = join(repoRoot, 'dist/src/cli/main.js');

/** The facts the dynamic part needs, as the static reader gives them. */
export function factsOf(root: string, inherited: NodeJS.ProcessEnv = process.env): AppFacts {
  const app = loadApp({ cwd: root, root, inherited });
  return {
    root: app.root,
    procfile: { path: relative(app.root, app.procfilePath), entries: app.procfile.entries.map(({ name, command, line }) => ({ name, command, line })) },
    envFiles: app.envFiles.map((path) => ({ path: relative(app.root, path), entries: [] })),
    config: app.config,
    files: [],
  };
}

/**
 * A temp copy of a fixture (or of any folder) as `app/`, with the fixtures' shared scripts beside
 * it as `shared/` (Procfiles run `node ../shared/web.js`); removed by `dispose`.
 */
export function copyApp(source: string): { root: string; dispose: () => void } {
  const parent = mkdtempSync(join(tmpdir(), 'dozen-doctor-app-'));
  const root = join(parent, 'app');
  cpSync(source, root, { recursive: true });
  cpSync(join(fixturesDir, 'shared'), join(parent, 'shared'), { recursive: true });
  return { root, dispose: () => rmSync(parent, { recursive: true, force: true }) };
}

export interface Observed {
  run: RunObservations;
  facts: AppFacts;
  root: string;
  elapsedMs: number;
  /** Live processes carrying the run's marker once observeApp returned (must be none). */
  leftovers: string[];
}

/**
 * observeApp on a temp copy of `source`; `prepare` may write into the copy first (a .env).
 * The copy is removed afterwards, unless `keep` (the caller then disposes of it).
 */
export async function observeFixture(
  source: string,
  opts: Partial<ObserveOptions> & { prepare?: (root: string) => void } = {},
): Promise<Observed & { dispose: () => void }> {
  const app = copyApp(source.startsWith('/') ? source : join(fixturesDir, source));
  opts.prepare?.(app.root);
  const facts = factsOf(app.root);
  const token = randomBytes(6).toString('hex');
  const started = performance.now();
  const run = await observeApp(facts, { bootTimeoutMs: 3_000, stopTimeoutMs: 2_000, dozenCli: cliPath, token, ...opts });
  const elapsedMs = Math.round(performance.now() - started);
  const leftovers = markedProcesses(token).map((p) => `${p.pid} ${p.command}`);
  return { run, facts, root: app.root, elapsedMs, leftovers, dispose: app.dispose };
}

/** A hash of every file under `root` (path, mode and content), to tell that nothing changed. */
export function treeHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      hash.update(`${relative(root, path)}\0${st.mode}\0`);
      if (st.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(resolve(root));
  return hash.digest('hex');
}

/** The findings of one check over an observed run. */
export function findingsOf(o: Pick<Observed, 'facts' | 'run'>, checkId: string): Finding[] {
  const check = DYNAMIC_CHECKS.find((c) => c.id === checkId);
  if (check === undefined) throw new Error(`no dynamic check ${checkId}`);
  return check.run({ facts: o.facts, run: o.run });
}

/** Every finding of every dynamic check, as `status check: message` lines (for assertion messages). */
export function report(o: Pick<Observed, 'facts' | 'run'>): string {
  return DYNAMIC_CHECKS.flatMap((c) => c.run({ facts: o.facts, run: o.run })).map((f) => `${f.status} ${f.check}: ${f.message} [${f.evidence}]`).join('\n');
}

/** Asserts the check reported `status` with a message matching `pattern`; returns that finding. */
export function expectFinding(o: Observed, checkId: string, status: Finding['status'], pattern: RegExp): Finding {
  const found = findingsOf(o, checkId).find((f) => f.status === status && pattern.test(f.message));
  assert.ok(found, `expected a ${status} of ${checkId} matching ${pattern}; the report:\n${report(o)}`);
  return found;
}

/** Nothing the run started is alive any more. */
export function expectNoLeftovers(o: Observed): void {
  assert.deepEqual(o.leftovers, [], 'processes carrying the run marker are still alive');
}

/** Runs a fixture, checks that nothing is left alive, hands the result to `check`; always removes the copy. */
export async function withRun(fixture: string, opts: Parameters<typeof observeFixture>[1], check: (o: Observed) => void): Promise<void> {
  const o = await observeFixture(fixture, opts);
  try {
    expectNoLeftovers(o);
    check(o);
  } finally {
    o.dispose();
  }
}
