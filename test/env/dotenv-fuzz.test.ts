// Property: any text, however broken, gives vars and/or diagnostics; never an exception.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadEnv } from '../../src/env/load-env.js';

// Fragments that exercise every branch of the tokenizer and the expander.
const fragment = fc.oneof(
  fc.constantFrom(
    'A', 'b_1', 'x.y-z', 'export ', '=', ':', ' ', '\t', '\n', '\r\n', '\r', '#', '"', "'", '`', '\\', '$',
    '$$', '${', '}', ':-', '-', ':+', '+', ':?', '?', '$(', ')', '(', '\uFEFF', '1', 'é', '\u0000',
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const dotenvText = fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join(''));
const inheritedEnv = fc.dictionary(fc.constantFrom('A', 'b_1', 'HOME', 'E'), fc.string({ maxLength: 5 }), { maxKeys: 3 });

test('random .env text never throws: it returns vars and diagnostics', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(dotenvText, dotenvText, inheritedEnv, fc.boolean(), fc.boolean(), fc.boolean(), (a, b, inherited, override, expand, lenient) => {
      const loaded = loadEnv([{ path: '.env', text: a }, { path: '.env.local', text: b }], inherited, { override, expand, lenient });
      assert.ok(Array.isArray(loaded.vars) && Array.isArray(loaded.diagnostics));
      for (const v of loaded.vars) assert.equal(typeof v.value, 'string');
      const lineCount = (t: string) => t.split(/\r\n?|\n/).length;
      for (const d of loaded.diagnostics) {
        assert.ok(d.line >= 1 && d.line <= lineCount(d.file === '.env' ? a : b), `line ${d.line} out of range`);
        assert.equal(d.severity, lenient ? 'warning' : 'error');
      }
    }),
    { numRuns: 2000 },
  );
});
