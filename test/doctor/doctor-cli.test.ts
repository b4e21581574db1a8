// `dozen doctor --static` through the built CLI, on fixture apps copied into fresh git
// repositories: each broken app gets its finding (factor, check, status, file:line), the clean
// apps get no fail, and the doctor changes no file of the app.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killAllStarted, repoRoot, runCli } from '../cli/helpers.js';
import { git } from '../releases/git-app.js';

const T = { timeout: 30_000 };
const made: string[] = [];
after(() => {
  killAllStarted();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the app (a folder of the repository) in a new repository, every file committed but `uncommitted`. */
function copyApp(from: string, opts: { git?: boolean; uncommitted?: string[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-doctor-'));
  made.push(dir);
  cpSync(join(repoRoot, from), dir, { recursive: true });
  if (opts.git === false) return dir;
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  for (const path of opts.uncommitted ?? []) git(dir, 'rm', '-q', '--cached', path);
  git(dir, 'commit', '-q', '-m', 'app');
  return dir;
}

interface JsonFinding {
  check: string;
  status: string;
  message: string;
  evidence: string;
  file?: string;
  line?: number;
  fix?: string;
}
interface JsonReport {
  app: string;
  factors: Array<{ factor: string; title: string; status: string; findings: JsonFinding[] }>;
}

async function doctor(dir: string, ...args: string[]): Promise<{ code: number | null; report: JsonReport; stdout: string }> {
  const r = await runCli(['doctor', '--static', '--json', '-d', dir, ...args], { timeoutMs: 20_000 });
  assert.equal(r.stderr, '');
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stdout: r.stdout };
}

const fixture = (name: string) => `test/fixtures/doctor/${name}`;

/** Every file of the tree (`.git` included) and its hash. */
function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(path, entry.name);
      hash.update(`${full.slice(dir.length)}\0`);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

// [fixture, factor, check, status, file, line]
const BROKEN: Array<[string, string, string, string, string | undefined, number | undefined]> = [
  ['no-manifest', 'II', 'deps.manifest', 'fail', undefined, undefined],
  ['unlocked-deps', 'II', 'deps.lockfile', 'warn', 'package.json', undefined],
  ['node-undeclared', 'II', 'deps.undeclared-import', 'fail', 'server.js', 2],
  ['python-undeclared', 'II', 'deps.undeclared-import', 'warn', 'app.py', 3],
  ['env-committed', 'III', 'config.env-tracked', 'fail', '.env', 2],
  ['secret-in-source', 'III', 'config.secret-in-source', 'fail', 'app.py', 3],
  ['backing-address', 'IV', 'backing.address-in-source', 'fail', 'server.js', 3],
  ['build-in-run', 'V', 'build.step-in-run', 'fail', 'Procfile', 1],
  ['sqlite-config', 'VI', 'processes.sqlite-config', 'fail', '.env', 1],
  ['no-procfile', 'VIII', 'concurrency.procfile', 'fail', undefined, undefined],
  ['dev-server', 'X', 'parity.dev-server', 'fail', 'Procfile', 1],
  ['dev-switch', 'X', 'parity.dev-switch', 'warn', '.env', 1],
  ['python-buffered', 'XI', 'logs.python-buffered-static', 'warn', 'Procfile', 1],
  ['one-off-type', 'XII', 'admin.one-off-type', 'warn', 'Procfile', 2],
];

describe('dozen doctor --static on apps that break one check', () => {
  for (const [name, factor, check, status, file, line] of BROKEN) {
    it(`${name}: ${factor} ${status}s with ${check}`, T, async () => {
      const { code, report } = await doctor(copyApp(fixture(name)));
      const inFactor = report.factors.find((f) => f.factor === factor);
      assert.equal(inFactor?.status, status, JSON.stringify(inFactor));
      const finding = inFactor?.findings.find((f) => f.check === check && f.status === status);
      assert.ok(finding, JSON.stringify(inFactor));
      assert.equal(finding.file, file);
      assert.equal(finding.line, line);
      assert.ok(finding.fix && finding.fix.length > 0);
      // Only what the app breaks fails.
      const failing = report.factors.filter((f) => f.status === 'fail').map((f) => f.factor);
      assert.deepEqual(failing, status === 'fail' ? [factor] : []);
      assert.equal(code, status === 'fail' ? 1 : 0);
    });
  }

  it('an app outside any repository fails I with codebase.git', T, async () => {
    const { code, report } = await doctor(copyApp(fixture('clean-node'), { git: false }));
    assert.equal(code, 1);
    assert.equal(report.factors[0]?.status, 'fail');
    assert.equal(report.factors[0]?.findings[0]?.check, 'codebase.git');
  });

  it('a Procfile git does not track fails I with codebase.tracked', T, async () => {
    const { report } = await doctor(copyApp(fixture('clean-node'), { uncommitted: ['Procfile'] }));
    const finding = report.factors[0]?.findings.find((f) => f.status === 'fail');
    assert.deepEqual([finding?.check, finding?.file], ['codebase.tracked', 'Procfile']);
  });

  it('never prints a secret, in the JSON or on the terminal', T, async () => {
    const dir = copyApp(fixture('secret-in-source'));
    const { stdout } = await doctor(dir);
    const terminal = await runCli(['doctor', '--static', '-d', dir]);
    assert.equal(terminal.code, 1);
    assert.match(terminal.stdout, /app\.py:3 {2}SECRET_KEY = '\*\*\*\*' \(64 chars\)/);
    for (const secret of ['django-insecure-9f8a', 'hunter2', 'b3BlbnNzaC1rZXkt']) {
      assert.ok(!stdout.includes(secret) && !terminal.stdout.includes(secret), secret);
    }
  });
});

describe('dozen doctor --static on clean apps', () => {
  for (const name of ['examples/hello', fixture('clean-node'), fixture('clean-django')]) {
    it(`${name}: no fail, all twelve factors in order, the dynamic ones skipped`, T, async () => {
      const dir = copyApp(name);
      const before = treeHash(dir);
      const { code, report } = await doctor(dir);
      assert.equal(code, 0);
      assert.deepEqual(report.factors.map((f) => f.factor), ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII']);
      assert.deepEqual(report.factors.filter((f) => f.status === 'fail'), []);
      assert.equal(report.factors.find((f) => f.factor === 'VII')?.status, 'skip');
      assert.match(report.factors.find((f) => f.factor === 'VII')?.findings[0]?.message ?? '', /--static/);
      for (const f of report.factors) {
        assert.deepEqual(Object.keys(f), ['factor', 'title', 'status', 'findings']);
        assert.ok(f.findings.length > 0, f.factor);
        for (const x of f.findings) assert.deepEqual(Object.keys(x).slice(0, 4), ['check', 'status', 'message', 'evidence']);
      }
      assert.equal(treeHash(dir), before, 'the doctor changed a file of the app');
    });
  }
});

describe('dozen doctor: the terminal report and usage', () => {
  it('prints factor by factor with a summary; colours only when asked or on a terminal', T, async () => {
    const dir = copyApp(fixture('dev-server'));
    const plain = await runCli(['doctor', '--static', '-d', dir]);
    assert.equal(plain.code, 1);
    assert.match(plain.stdout, /^I {5}Codebase +pass$/m);
    assert.match(plain.stdout, /^X {5}Dev\/prod parity +fail$/m);
    assert.match(plain.stdout, /fail {2}"web" runs a development server: manage\.py runserver {2}\[parity\.dev-server\]\n {12}Procfile:1 {2}web: python manage\.py runserver 0\.0\.0\.0:\$PORT\n {12}fix: /);
    assert.match(plain.stdout, /\n12 factors: 1 fail, \d+ warn, \d+ pass, 2 skip/);
    assert.ok(!plain.stdout.includes('\x1b['));
    const coloured = await runCli(['doctor', '--static', '-d', dir], { env: { FORCE_COLOR: '1' } });
    assert.ok(coloured.stdout.includes('\x1b[31mfail'));
    const off = await runCli(['doctor', '--static', '--no-color', '-d', dir], { env: { FORCE_COLOR: '1' } });
    assert.ok(!off.stdout.includes('\x1b['));
  });

  it('exits 2 for bad usage', T, async () => {
    const r = await runCli(['doctor', '--boot-timeout', 'soon', '-d', 'examples/hello']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--boot-timeout: expected a number of seconds, got "soon"/);
    assert.equal((await runCli(['doctor', '--bogus'])).code, 2);
  });

  it('DOZEN_STATIC and DOZEN_JSON set the flags', T, async () => {
    const r = await runCli(['doctor', '-d', copyApp(fixture('clean-node'))], { env: { DOZEN_STATIC: '1', DOZEN_JSON: '1' } });
    assert.equal(r.code, 0);
    assert.match((JSON.parse(r.stdout) as JsonReport).factors[6]?.findings[0]?.message ?? '', /--static/);
  });
});
