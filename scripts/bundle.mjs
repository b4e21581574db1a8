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
  // Licence comments go to main.js.LEGAL.txt beside the bundle (some are not ASCII; see below).
  legalComments: 'external',
  define: { 'import.meta.url': 'import_meta_url' },
  inject: ['scripts/import-meta-url.cjs'],
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['dist/src/cli/main.js'], outfile: `${outdir}/main.js` });
await build({ ...common, entryPoints: ['dist/src/logs/store/store-worker.js'], outfile: `${outdir}/store-worker.js` });
writeFileSync(`${outdir}/package.json`, '{ "type": "commonjs" }\n');
// main.js is compiled as a function body by the loader, where a `#!` line is a syntax error.
// It stays a plain CommonJS file: `node dist/bundle/main.js` runs the CLI too (the deploy hook of
// `dozen git-remote`, the shell hook and the doctor call the CLI file by path).
const main = readFileSync(`${outdir}/main.js`, 'utf8').replace(/^#!.*\n/, '');
writeFileSync(`${outdir}/main.js`, main);
// V8 keeps the bundle's source on its heap for as long as dozen runs (functions compile lazily
// from it). One character outside ASCII makes the whole 2 MB a two-byte string: 4 MB, and as much
// again for the wrapped copy the loader compiles (Module.wrap). esbuild escapes string literals, not raw
// templates (the dashboard's assets): write those characters as escapes or entities.
const wide = /[^\x00-\x7f]/.exec(main);
if (wide) {
  const at = main.slice(Math.max(0, wide.index - 40), wide.index + 10).replace(/\s+/g, ' ');
  throw new Error(`dist/bundle/main.js must be ASCII: found U+${wide[0].codePointAt(0).toString(16).padStart(4, '0')} in "${at}"`);
}
const build_ = createHash('sha256').update(main).digest('hex').slice(0, 16);
const loader = readFileSync(`${root}scripts/code-cache-loader.cjs`, 'utf8').replace('__BUILD__', build_);
writeFileSync(`${outdir}/dozen.js`, loader);
