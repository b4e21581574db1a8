import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DozenError } from '../../src/errors.js';
import { addRelease, findRelease, readReleases, releasesPath, settleRelease } from '../../src/releases/release-store.js';

const temp = () => mkdtempSync(join(tmpdir(), 'dozen-releases-'));
const fields = (build: string, config: Record<string, string> = { SECRET: 's3cr3t' }) => ({ description: `Deploy ${build}`, build, commit: `${build}000`, config });

test('releases are numbered v1, v2, ...; a success becomes current, a failure leaves it', () => {
  const dir = temp();
  try {
    assert.deepEqual(readReleases(dir), { releases: [], current: undefined });
    const v1 = addRelease(dir, fields('b1'));
    assert.deepEqual([v1.version, v1.status, v1.pid], [1, 'pending', process.pid]);
    assert.equal(readReleases(dir).current, undefined, 'pending is not current');
    settleRelease(dir, 1, 'succeeded');
    const v2 = addRelease(dir, fields('b2'));
    settleRelease(dir, v2.version, 'failed');
    const log = readReleases(dir);
    assert.deepEqual(log.releases.map((r) => [r.version, r.status, r.build, r.pid]), [[1, 'succeeded', 'b1', undefined], [2, 'failed', 'b2', undefined]]);
    assert.equal(log.current, 1);
    assert.equal(addRelease(dir, fields('b3')).version, 3, 'failed releases keep their number');
    assert.equal(statSync(releasesPath(dir)).mode & 0o777, 0o600, 'the snapshots hold secrets');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a release left pending by a dozen that died is not listed, and its number is given again', () => {
  const dir = temp();
  try {
    settleRelease(dir, addRelease(dir, fields('b1')).version, 'succeeded');
    addRelease(dir, fields('b2'));
    // Make the pending one's owner a pid that is gone: a finished child's.
    const gone = spawnSync('true').pid as number;
    const file = JSON.parse(readFileSync(releasesPath(dir), 'utf8'));
    file.releases[1].pid = gone;
    writeFileSync(releasesPath(dir), JSON.stringify(file));
    assert.deepEqual(readReleases(dir).releases.map((r) => r.version), [1]);
    assert.equal(readReleases(dir).current, 1);
    assert.equal(addRelease(dir, fields('b3')).version, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findRelease: current, vN and N; a missing one names the releases there are', () => {
  const dir = temp();
  try {
    assert.throws(() => findRelease(readReleases(dir), 'current'), /the app has no release yet: make one with dozen deploy/);
    settleRelease(dir, addRelease(dir, fields('b1')).version, 'succeeded');
    settleRelease(dir, addRelease(dir, fields('b2')).version, 'succeeded');
    const log = readReleases(dir);
    assert.equal(findRelease(log, 'current').version, 2);
    assert.equal(findRelease(log, 'v1').build, 'b1');
    assert.equal(findRelease(log, '1').build, 'b1');
    assert.throws(() => findRelease(log, 'v9'), (err: unknown) => err instanceof DozenError && err.message === 'the app has no release v9 (releases: v1, v2)');
    assert.throws(() => findRelease(log, 'latest'), /expected a release such as v3 or current, got "latest"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged releases file is one line that shows none of its content', () => {
  const dir = temp();
  try {
    writeFileSync(releasesPath(dir), '{"version":1,"releases":[{"config":{"SECRET":"s3cr3t"}');
    assert.throws(
      () => readReleases(dir),
      (err: unknown) => err instanceof DozenError && /releases\.json is damaged/.test(err.message) && !err.message.includes('s3cr3t'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
