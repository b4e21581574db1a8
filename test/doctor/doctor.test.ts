// runDoctor: all twelve factors in order, a factor's status its worst finding, skips with their
// reason; reportJson's fixed shape; and readApp's walk over the app's files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDoctor } from '../../src/doctor/doctor.js';
import { readSourceFiles } from '../../src/doctor/read-app.js';
import { reportJson } from '../../src/doctor/render.js';
import type { AppFacts, Check, RunObservations } from '../../src/doctor/types.js';
import { appFacts } from './app-facts.js';

const check = (id: string, factor: Check<AppFacts>['factor'], status: 'pass' | 'warn' | 'fail'): Check<AppFacts> => ({
  id,
  factor,
  run: () => [{ check: id, status, message: id, evidence: 'seen', ...(status === 'pass' ? {} : { fix: 'fix it', file: 'a.py', line: 3 }) }],
});
const observed = (extra: Partial<RunObservations> = {}): RunObservations => ({ bootTimeoutMs: 10_000, stopTimeoutMs: 5000, types: [], changedFiles: [], ...extra });

describe('runDoctor', () => {
  it('reports all twelve factors, each as its worst finding, problems first', () => {
    const report = runDoctor(appFacts(), observed({ skipped: '--static' }), {
      static: [check('a.pass', 'I', 'pass'), check('a.warn', 'I', 'warn'), check('b.fail', 'II', 'fail'), check('b.warn', 'II', 'warn')],
      dynamic: [],
    });
    assert.deepEqual(report.factors.map((f) => `${f.factor}:${f.status}`), ['I:warn', 'II:fail', 'III:skip', 'IV:skip', 'V:skip', 'VI:skip', 'VII:skip', 'VIII:skip', 'IX:skip', 'X:skip', 'XI:skip', 'XII:skip']);
    assert.deepEqual(report.factors[0]?.findings.map((f) => f.check), ['a.warn', 'a.pass']);
    assert.equal(report.factors[2]?.findings[0]?.message, 'not checked: --static');
  });

  it('skips the dynamic checks, once per factor, when the run was skipped, and runs them otherwise', () => {
    const dynamic: Check<{ facts: AppFacts; run: RunObservations }>[] = [
      { id: 'port.listens', factor: 'VII', run: ({ run }) => [{ check: 'port.listens', status: run.types.length === 0 ? 'fail' : 'pass', message: 'm', evidence: 'e' }] },
      { id: 'port.own', factor: 'VII', run: () => [] },
    ];
    const skipped = runDoctor(appFacts(), observed({ skipped: 'no Procfile' }), { static: [check('c', 'VII', 'pass')], dynamic });
    const vii = skipped.factors[6];
    assert.equal(vii?.status, 'pass');
    assert.deepEqual(vii?.findings.map((f) => `${f.check}:${f.status}`), ['c:pass', 'port.listens:skip']);
    const ran = runDoctor(appFacts(), observed(), { static: [], dynamic });
    assert.equal(ran.factors[6]?.status, 'fail');
    assert.equal(ran.factors[7]?.findings[0]?.message, 'not checked: no check applies to this app');
  });

  it('prints the JSON keys in their order, leaving out what is absent', () => {
    const report = runDoctor(appFacts(), undefined, { static: [check('a', 'I', 'fail'), check('b', 'I', 'pass')], dynamic: [] });
    const json = reportJson(report) as { factors: Array<{ findings: object[] }> };
    assert.deepEqual(Object.keys(json), ['app', 'factors']);
    assert.deepEqual(json.factors[0]?.findings.map((f) => Object.keys(f)), [['check', 'status', 'message', 'evidence', 'file', 'line', 'fix'], ['check', 'status', 'message', 'evidence']]);
  });
});

describe('readSourceFiles', () => {
  it('reads text files, skipping installed packages, virtual environments, caches, binaries and large files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dozen-read-'));
    try {
      const write = (path: string, data: string | Buffer) => {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), data);
      };
      write('app.py', 'import os\n');
      write('src/lib/util.js', 'module.exports = 1;\n');
      write('node_modules/x/index.js', '');
      write('.venv/pyvenv.cfg', 'home = /usr\n');
      write('.venv/lib/site.py', '');
      write('env/pyvenv.cfg', '');
      write('config/env/settings.py', '');
      write('__pycache__/app.cpython-311.pyc', '');
      write('.git/HEAD', 'ref: refs/heads/main\n');
      write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
      write('big.json', 'x'.repeat(600 * 1024));
      assert.deepEqual(readSourceFiles(dir).map((f) => f.path), ['app.py', 'config/env/settings.py', 'src/lib/util.js']);
      assert.deepEqual(readSourceFiles(dir, { fileBytes: 1 << 20, totalBytes: 1 << 30, files: 1 }).map((f) => f.path), ['app.py']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
