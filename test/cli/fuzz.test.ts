// Fuzz: generated Procfiles and .env files (references that double, NUL bytes, long values,
// broken quotes, CRLF, BOMs) through the parsers and the expander in-process, then through the
// real CLI's `check`, `env` and `start`. Whatever the input: no exception and no stack trace, an
// exit code docs/exit-codes.md documents, and bounded memory (the CLI runs with a 96 MiB heap,
// which the doubling inputs would pass a thousand times over without the caps).
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadEnv } from '../../src/env/load-env.js';
import { envValueProblem, MAX_TOTAL_BYTES } from '../../src/env/limits.js';
import { parseProcfile } from '../../src/procfile/parse.js';
import { killAllStarted, runCli, tempApp, type TempApp } from './helpers.js';

const apps: TempApp[] = [];
afterEach(() => killAllStarted());
after(async () => {
  for (const app of apps) await app.cleanup();
});

const KEYS = ['A0', 'A1', 'A2', 'A3', 'B', 'PORT'];
const ref = fc.constantFrom(...KEYS).chain((k) => fc.constantFrom(`$${k}`, `\${${k}}`, `\${${k}:-d}`, `\${${k}:?}`, `\${${k}+x}`));
const piece = fc.oneof(
  { weight: 4, arbitrary: ref },
  { weight: 3, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('\0', '"', "'", '`', '\\', '#', ' #', '\r', '$(', ')', '${', '}', '\uFEFF', 'é') },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(70_000), 'y'.repeat(140_000)) },
);
const value = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''));
const quoted = fc.tuple(fc.constantFrom('', '"', "'"), value).map(([q, v]) => `${q}${v}${q}`);
const envLine = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...KEYS, 'export A1', 'bad key', 'K'.repeat(70_000)), fc.constantFrom('=', ': ', ' = '), quoted).map(([k, s, v]) => `${k}${s}${v}`) },
  // The doubling chain: A(n+1)=${An}${An}...
  { weight: 2, arbitrary: fc.constantFrom(...KEYS.slice(0, 3)).map((k) => `A${Number(k[1]) + 1}=\${${k}}\${${k}}\${${k}}\${${k}}`) },
  { weight: 1, arbitrary: fc.constantFrom('# comment', '', 'A0', 'A0="unterminated') },
);
const eol = fc.constantFrom('\n', '\r\n');
const envText = fc.tuple(fc.array(envLine, { maxLength: 12 }), eol).map(([lines, nl]) => lines.join(nl));
/** Commands start with `echo`: the fuzz must never run anything but echo with odd arguments. */
const procfileLine = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom('web', 'worker', 'w-2', 'release', 'bad name', ''), fc.constantFrom(':', ': ', ' :'), value).map(([n, c, v]) => `${n}${c}echo ${v.replace(/[;&|`<>]|\$\(/g, '_')}`) },
  { weight: 1, arbitrary: fc.constantFrom('# c', '', 'web', 'web: ', '//x', 'a:b:c') },
);
const procfileText = fc.tuple(fc.array(procfileLine, { minLength: 1, maxLength: 5 }), eol).map(([lines, nl]) => lines.join(nl));

test('in-process: whatever the parsers and the expander accept can be given to a process', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(envText, procfileText, fc.boolean(), (env, procfile, lenient) => {
      const loaded = loadEnv([{ path: '.env', text: env }], { B: 'inherited' }, { override: false, expand: true, lenient });
      let total = 0;
      for (const v of loaded.vars) {
        if (v.source.type !== 'file') continue;
        assert.equal(envValueProblem(v.key, v.value), undefined, `${v.key} was accepted`);
        total += Buffer.byteLength(v.value);
      }
      assert.ok(total <= MAX_TOTAL_BYTES * 2, `${total} bytes in all`); // a redefined key counts once here, each time in the cap
      // A message never carries a value: a long one would be a value (or a flood).
      for (const d of loaded.diagnostics) assert.ok(d.line >= 1 && d.message.length < 300, d.message.slice(0, 300));
      const parsed = parseProcfile(procfile, 'Procfile');
      for (const e of parsed.entries) {
        assert.ok(!e.command.includes('\0'));
        assert.ok(Buffer.byteLength(e.command) <= 128 << 10);
      }
    }),
    { numRuns: 200 },
  );
});

/** dozen's own codes, and what `start` passes on from `echo` under sh (0, or 2 for a syntax error). */
const DOCUMENTED = new Set([0, 2, 69, 74, 77, 78]);

test('the CLI: check, env and start on generated apps never crash, exit with a documented code, stay within 96 MiB', { timeout: 300_000 }, async () => {
  const samples = fc.sample(fc.tuple(envText, procfileText), { numRuns: 7, seed: 15 });
  for (const [env, procfile] of samples) {
    const a = await tempApp({ Procfile: procfile, '.env': env });
    apps.push(a);
    for (const args of [['check'], ['env'], ['start', '--no-log-store', '-t', '1', '-p', '0']]) {
      const result = await runCli([...args, '-d', a.dir], { env: { NODE_OPTIONS: '--max-old-space-size=96' }, timeoutMs: 30_000 });
      const what = `dozen ${args[0]} on\n--- Procfile ---\n${procfile.slice(0, 500)}\n--- .env ---\n${env.slice(0, 500)}\n--- stderr ---\n${result.stderr.slice(0, 2000)}`;
      assert.ok(result.code !== null && DOCUMENTED.has(result.code), `exit ${result.code} (signal ${result.signal}): ${what}`);
      assert.doesNotMatch(result.stderr, /\n\s+at |internal error|Node\.js v|heap out of memory/, what);
    }
  }
});
