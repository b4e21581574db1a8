// What `dozen hook-export` prints for each shell: every value quoted by that shell's rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fishQuote } from '../../src/env/shell-quote.js';
import { renderExport } from '../../src/autoenv/shell-syntax.js';

const WATCH = { stamp: "/run/dozen/hook/42", present: ["/a/it's/.env"], absent: [] };

describe('renderExport', () => {
  it('bash and zsh: export/unset with POSIX single quotes, then the state and the watch lists', () => {
    const out = renderExport('bash', [{ type: 'set', key: 'A', value: "it's\n$x" }, { type: 'unset', key: 'B' }], '{"saved":{}}', WATCH);
    assert.equal(
      out,
      [
        "export A='it'\\''s\n$x'",
        'unset B',
        `export DOZEN_HOOK='{"saved":{}}'`,
        "_dozen_stamp='/run/dozen/hook/42'",
        "_dozen_present=('/a/it'\\''s/.env')",
        '_dozen_absent=()',
        '',
      ].join('\n'),
    );
  });

  it('fish: set -gx / set -e with fish quoting, the state unset when there is none', () => {
    const out = renderExport('fish', [{ type: 'set', key: 'A', value: "it's \\ $x" }], undefined, WATCH);
    assert.equal(
      out,
      [
        "set -gx A 'it\\'s \\\\ $x'",
        'set -e -g DOZEN_HOOK',
        "set -g __dozen_stamp '/run/dozen/hook/42'",
        "set -g __dozen_present '/a/it\\'s/.env'",
        'set -g __dozen_absent',
        '',
      ].join('\n'),
    );
  });
});

describe('fishQuote', () => {
  for (const [value, quoted] of [
    ['', "''"],
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ['\\\'', "'\\\\\\''"],
    ['$HOME (x) {a,b} *\nnewline ✓', "'$HOME (x) {a,b} *\nnewline ✓'"],
  ]) {
    it(JSON.stringify(value), () => assert.equal(fishQuote(value!), quoted));
  }
});
