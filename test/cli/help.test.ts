// What `--help` says: the control commands list only the options they use, numeric defaults print
// as numbers; and the exit code of an unknown type as an argument is the one docs/exit-codes.md gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killAllStarted, repoRoot, runCli, tempApp } from './helpers.js';

const T = { timeout: 30_000 };
after(killAllStarted);

describe('help and exit codes', () => {
  for (const command of ['ps', 'restart', 'stop', 'scale', 'quit']) {
    it(`${command} --help lists -f and -d, no env-file option; they are still accepted`, T, async () => {
      const r = await runCli([command, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /--procfile/);
      assert.match(r.stdout, /--root/);
      for (const option of ['--env ', '--override', '--no-expand', '--env-lenient', '--strict']) assert.ok(!r.stdout.includes(option), `${option} in:\n${r.stdout}`);
    });
  }

  it('ps with an env-file option still runs (and says no dozen runs)', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\n' });
    t.after(app.cleanup);
    const r = await runCli(['ps', '-e', '.env.local', '--override', '-d', app.dir]);
    assert.equal(r.code, 69, r.stderr);
  });

  it('numeric defaults print as numbers, strings stay quoted', T, async () => {
    const r = await runCli(['start', '--help']);
    assert.match(r.stdout, /\(default: 5, env: DOZEN_TIMEOUT\)/);
    assert.match(r.stdout, /\(default: 60,\s+env: DOZEN_BOOT_TIMEOUT\)/);
    assert.match(r.stdout, /\(default:\s+"never"/);
  });

  it('an unknown process type as an argument exits 2, as docs/exit-codes.md says', T, async (t) => {
    const app = await tempApp({ Procfile: 'web: w\n' });
    t.after(app.cleanup);
    const r = await runCli(['check', 'worker', '-d', app.dir]);
    assert.equal(r.code, 2, r.stderr);
    const doc = readFileSync(join(repoRoot, 'docs/exit-codes.md'), 'utf8');
    const usageRow = doc.split('\n').find((l) => l.startsWith('| 2 |')) ?? '';
    assert.match(usageRow, /`dozen check worker`/);
    assert.doesNotMatch(doc.split('\n').find((l) => l.startsWith('| 78 |')) ?? '', /as an argument/);
  });
});
