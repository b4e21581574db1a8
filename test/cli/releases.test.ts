// The release commands end to end through the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStateDir } from '../../src/platform/state-dir.js';
import { addRelease, settleRelease } from '../../src/releases/release-store.js';
import { runCli, tempApp } from './helpers.js';

const T = { timeout: 30_000 };

test('releases: newest first, the current one marked, no config value anywhere', T, async () => {
  const app = await tempApp({ Procfile: 'web: serve\n' });
  try {
    const empty = await runCli(['releases', '-d', app.dir]);
    assert.deepEqual([empty.code, empty.stdout], [0, 'no releases yet: dozen deploy makes the first\n']);
    const stateDir = ensureStateDir(app.dir);
    for (const [build, status] of [['b-1', 'succeeded'], ['b-2', 'failed']] as const) {
      const r = addRelease(stateDir, { description: `Deploy ${build}`, build, commit: 'abcdef1234567890', config: { SECRET: 'hunter2' } });
      settleRelease(stateDir, r.version, status);
    }
    const listed = await runCli(['releases', '-d', app.dir]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0] as string, /^VERSION\s+DESCRIPTION\s+BUILD\s+COMMIT\s+CREATED\s+STATUS$/);
    assert.match(lines[1] as string, /^v2\s+Deploy b-2\s+b-2\s+abcdef1\s+\S+Z\s+failed$/);
    assert.match(lines[2] as string, /^v1 \*\s+Deploy b-1\s+b-1\s+abcdef1\s+\S+Z\s+succeeded$/);
    const json = await runCli(['releases', '--json', '-d', app.dir]);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => [r.version, r.status, r.current]), [[2, 'failed', false], [1, 'succeeded', true]]);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['version', 'description', 'build', 'commit', 'createdAt', 'status', 'current']);
    assert.ok(!json.stdout.includes('hunter2') && !listed.stdout.includes('hunter2'));
  } finally {
    await app.cleanup();
  }
});
