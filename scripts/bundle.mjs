// Bundles the built CLI (dist/src, from tsc) into dist/bundle/, which bin/dozen runs:
// - main.js: the whole CLI as one CommonJS file (Node loads ~100 separate ES modules in about
//   50 ms); dozen.js, the entry, compiles it from V8's code cache (scripts/code-cache-loader.cjs),
//   which needs a classic script, not an ES module;
// - store-worker.js: the log store's worker thread, found beside the bundle through
//   `new URL('./store-worker.js', import.meta.url)`;
// - package.json: makes these .js files CommonJS inside this "type": "module" package.
// better-sqlite3 (a native addon) stays outside.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;

rmSync(outdir, { recursive: true, force: true }); // nothing of an older build left behind
mkdirSync(outdir, { recursive: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Smaller source to read at every start; names kept for error messages and stack traces.
  minify: true,
  keepNames: true,
  external: ['better-sqlite3'],
  define: { 'import.meta.url': 'import_meta_url' },
  inject: ['scripts/import-meta-url.cjs'],
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['dist/src/cli/main.js'], outfile: `${outdir}/main.js` });
await build({ ...common, entryPoints: ['dist/src/logs/store/store-worker.js'], outfile: `${outdir}/store-worker.js` });
writeFileSync(`${outdir}/package.json`, '{ "type": "commonjs" }\n');
// main.js is compiled as a function body by the loader, where a `#!` line is a syntax error.
const main = readFileSync(`${outdir}/main.js`, 'utf8').replace(/^#!.*\n/, '');
writeFileSync(`${outdir}/main.js`, main);
const build_ = createHash('sha256').update(main).digest('hex').slice(0, 16);
const loader = readFileSync(`${root}scripts/code-cache-loader.cjs`, 'utf8').replace('__BUILD__', build_);
writeFileSync(`${outdir}/dozen.js`, loader);
