// The package as npm ships it: `npm pack` of this tree (built by `prepack`; here already built by
// `npm test`, so packed with --ignore-scripts rather than rebuilt under the running tests),
// installed into a temporary prefix, and run: `dozen --version` and `dozen check` on the example.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

test('prepack builds the package', () => {
  assert.equal(pkg.scripts.prepack, 'npm run build');
});

test('the packed tarball installs into a fresh prefix and runs', { timeout: 600_000 }, (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'dozen-pack-'));
  try {
    const npm = (args: string[], cwd = tmp) => spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
    const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, repoRoot]);
    assert.equal(packed.status, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    for (const f of ['bin/dozen', 'dist/bundle/dozen.js', 'package.json', 'README.md']) assert.ok(files.includes(f), `${f} not in the package`);
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources and tests stay out');

    const prefix = join(tmp, 'prefix');
    // From npm's cache when it has better-sqlite3 (npm ci put it there); else from the registry.
    const installed = npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(tmp, info!.filename)]);
    if (installed.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(installed.stderr)) {
      t.skip(`npm install needs the registry or GitHub, unreachable here: ${installed.stderr.split('\n').find((l) => /E[A-Z]{4,}/.test(l))}`);
      return;
    }
    assert.equal(installed.status, 0, installed.stderr);
    const dozen = join(prefix, 'bin', 'dozen');
    const version = spawnSync(dozen, ['--version'], { encoding: 'utf8', cwd: tmp });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);
    const check = spawnSync(dozen, ['check', '-d', join(repoRoot, 'examples/hello')], { encoding: 'utf8', cwd: tmp });
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /web\.1 +port 5000/);
    assert.match(check.stdout, /\nvalid\n$/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
