// The systemd export checked by systemd itself (`systemd-analyze verify`) and by an
// EnvironmentFile reader that follows systemd.exec(5): every instance sees the values dozen's
// own .env parser gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { renderSystemd } from '../../src/export/systemd.js';
import { writeExport } from '../../src/export/write-files.js';
import { hasTool, hostileConfig, hostileFixture, missingToolReason, tempDir } from './fixtures.js';
import { readEnvironmentFile, readExecStart } from './systemd-readers.js';

/** Exports the hostile app into a temp folder whose paths hold a space and a `%`. */
function exportToTemp(): { dir: string; base: string; fixture: ReturnType<typeof hostileFixture> } {
  const base = tempDir('systemd');
  const dir = join(base, 'unit dir');
  const root = join(base, 'app root %x');
  mkdirSync(root, { recursive: true });
  const fixture = hostileFixture({ outDir: dir, root, user: userInfo().username });
  writeExport(dir, renderSystemd(fixture.instances, fixture.ctx), { force: false });
  return { dir, base, fixture };
}

test('systemd: each instance reads back exactly its dozen environment', () => {
  const { dir, base, fixture } = exportToTemp();
  try {
    const app = fixture.ctx.app;
    const config = readEnvironmentFile(readFileSync(join(dir, `${app}.env`), 'utf8'));
    assert.deepEqual(config, hostileConfig());
    for (const spec of fixture.instances) {
      const unitBase = `${app}-${fixture.ctx.typeNames.get(spec.type)}`;
      const own = readEnvironmentFile(readFileSync(join(dir, `${unitBase}.${spec.index}.env`), 'utf8'));
      // EnvironmentFile= lines are read in order, later ones win (systemd.exec(5)).
      assert.deepEqual({ ...config, ...own }, spec.env, spec.name);
      const unit = readFileSync(join(dir, `${unitBase}@.service`), 'utf8');
      const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
      assert.deepEqual(readExecStart(execStart), ['/bin/sh', '-c', spec.command], spec.name);
    }
    const release = fixture.ctx.releasePhase;
    assert.ok(release);
    const own = readEnvironmentFile(readFileSync(join(dir, `${app}-release.env`), 'utf8'));
    assert.deepEqual({ ...config, ...own }, release.env);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

const skip = missingToolReason('systemd-analyze', hasTool('systemd-analyze'));

test('systemd: systemd-analyze verify accepts the target, every instance and the release unit', { skip, timeout: 120_000 }, () => {
  const { dir, base, fixture } = exportToTemp();
  try {
    const app = fixture.ctx.app;
    const units = [
      `${app}.target`,
      `${app}-release.service`,
      ...fixture.instances.map((s) => `${app}-${fixture.ctx.typeNames.get(s.type)}@${s.index}.service`),
    ];
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { cwd: dir, encoding: 'utf8', timeout: 100_000 });
    assert.equal(run.error, undefined, String(run.error));
    assert.equal(run.status, 0, `systemd-analyze verify failed:\n${run.stderr}${run.stdout}`);
    // Warnings about our own units (unknown keys, bad escapes, ignored lines) fail the test too.
    const ours = run.stderr.split('\n').filter((line) => line.includes(app));
    assert.deepEqual(ours, [], run.stderr);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
