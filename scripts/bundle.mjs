// Bundles the built CLI (dist/src, from tsc) into dist/bundle/, which bin/dozen runs: loading ~100
// ES modules one by one costs Node about 50 ms at every start, a few chunks cost a few. Commands
// stay in their own chunks (main.ts imports them lazily). The log store's worker thread is an
// entry of its own, named store-worker.js beside the chunks: the store code starts it with
// `new URL('./store-worker.js', import.meta.url)`. better-sqlite3 (a native addon) stays outside.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;

rmSync(outdir, { recursive: true, force: true }); // no chunk of an older build left behind
await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js', 'dist/src/logs/store/store-worker.js'],
  outdir,
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // The CommonJS packages bundled (commander, picocolors) call require() for Node's own modules.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
