// Random input never crashes the parser: it returns entries or diagnostics, and what it returns
// is always well-formed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PROCESS_NAME } from '../../src/procfile/name-rules.js';
import { parseProcfile } from '../../src/procfile/parse.js';

const RUNS = { numRuns: 400 };

function checkInvariants(text: string, strict: boolean): void {
  const parsed = parseProcfile(text, 'Procfile', { strict });
  const lineCount = text.split(/\r?\n/).length;
  const names = parsed.entries.map((e) => e.name);

  assert.equal(new Set(names).size, names.length, 'names are unique');
  for (const e of parsed.entries) {
    assert.match(e.name, PROCESS_NAME);
    assert.notEqual(e.command, '');
    assert.equal(e.command, e.command.trim());
    assert.ok(e.line >= 1 && e.line <= lineCount);
  }
  for (const d of parsed.diagnostics) {
    assert.equal(d.file, 'Procfile');
    assert.ok(d.line >= 1 && d.line <= lineCount, `line ${d.line} within 1..${lineCount}`);
    assert.ok(d.message.length > 0);
    if (strict) assert.equal(d.severity, 'error', 'strict turns every problem into an error');
  }
  // Either something to run, or an error saying why not.
  assert.ok(parsed.entries.length > 0 || parsed.diagnostics.some((d) => d.severity === 'error'));
}

test('random unicode strings', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.boolean(), (text, strict) => checkInvariants(text, strict)),
    RUNS,
  );
});

test('random bytes decoded as UTF-8 and Latin-1', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, strict) => {
      checkInvariants(Buffer.from(bytes).toString('utf8'), strict);
      checkInvariants(Buffer.from(bytes).toString('latin1'), strict);
    }),
    RUNS,
  );
});

test('random Procfile-shaped lines', () => {
  // Pieces that hit every branch: names, colons, comments, blanks, CR/LF, BOM, '=' and junk.
  const piece = fc.constantFrom('web', 'Web', 'w_1', '-x', 'release', ':', '::', '=', '#', '//', ' ', '\t', '\r', '\uFEFF', 'node a.js', '$PORT', '+', '.', 'é');
  const line = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
  const text = fc.tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n')).map(([lines, eol]) => lines.join(eol));
  fc.assert(fc.property(text, fc.boolean(), (t, strict) => checkInvariants(t, strict)), RUNS);
});
