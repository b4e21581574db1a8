// Golden files: the exact text each exporter renders for the hostile app. UPDATE_GOLDEN=1
// rewrites them (then read the diff before committing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMATS, exporterFor } from '../../src/export/render.js';
import type { ExportFile } from '../../src/export/types.js';
import { GOLDEN_DIR, hostileFixture } from './fixtures.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const MANIFEST = 'MANIFEST';

/** One line per file: path, mode, and whether it holds secrets. */
function manifest(files: readonly ExportFile[]): string {
  return files.map((f) => `${f.path} ${(f.mode ?? (f.secret ? 0o600 : 0o644)).toString(8)}${f.secret ? ' secret' : ''}\n`).join('');
}

for (const format of FORMATS) {
  test(`golden: ${format}`, () => {
    const { instances, ctx } = hostileFixture();
    const files = exporterFor(format)(instances, ctx);
    const dir = join(GOLDEN_DIR, format);
    if (UPDATE) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(join(dir, f.path), f.content);
      writeFileSync(join(dir, MANIFEST), manifest(files));
    }
    assert.equal(manifest(files), readFileSync(join(dir, MANIFEST), 'utf8'), `${format}: file list (UPDATE_GOLDEN=1 to regenerate)`);
    assert.deepEqual(readdirSync(dir).filter((n) => n !== MANIFEST).sort(), files.map((f) => f.path).sort());
    for (const f of files) {
      assert.equal(f.content, readFileSync(join(dir, f.path), 'utf8'), `${format}/${f.path} differs from its golden file (UPDATE_GOLDEN=1 to regenerate)`);
    }
  });
}

test('golden: a value never leaks outside the files meant to hold it', () => {
  const { instances, ctx } = hostileFixture();
  const distinctive = ['héllo ✓ 日本語 🎉', 'lead and trail', 'NOT_EXPANDED', 'C:\\path', 'ends with'];
  for (const format of FORMATS) {
    for (const f of exporterFor(format)(instances, ctx)) {
      if (f.secret) continue;
      for (const v of distinctive) assert.ok(!f.content.includes(v), `${format}/${f.path} contains the config value ${JSON.stringify(v)}`);
    }
  }
});

test('without a release phase no file refers to one', () => {
  const { instances, ctx } = hostileFixture({ releasePhase: undefined });
  for (const format of FORMATS) {
    for (const f of exporterFor(format)(instances, ctx)) {
      assert.ok(!/release/i.test(f.content), `${format}/${f.path} mentions a release`);
    }
  }
});
