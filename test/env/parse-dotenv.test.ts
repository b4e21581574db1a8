// Table tests of the .env syntax: each row is file text -> the values the child gets (via
// loadEnv with no inherited environment and default options), or -> the diagnostics.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEnv } from '../../src/env/load-env.js';
import { parseDotenv } from '../../src/env/parse-dotenv.js';
import type { EnvOptions } from '../../src/env/types.js';

const DEFAULTS: EnvOptions = { override: false, expand: true, lenient: false };

/** Loads one `.env` and returns key -> value, failing on any diagnostic. */
function values(text: string, opts: Partial<EnvOptions> = {}, inherited: Record<string, string> = {}): Record<string, string> {
  const loaded = loadEnv([{ path: '.env', text }], inherited, { ...DEFAULTS, ...opts });
  assert.deepEqual(loaded.diagnostics, [], `unexpected diagnostics for ${JSON.stringify(text)}`);
  return Object.fromEntries(loaded.vars.map((v) => [v.key, v.value]));
}

const SYNTAX: Array<[name: string, text: string, expected: Record<string, string>]> = [
  ['plain', 'A=b', { A: 'b' }],
  ['yaml style', 'A: b', { A: 'b' }],
  ['yaml style with tab', 'A:\tb', { A: 'b' }],
  ['yaml style, empty', 'A:', { A: '' }],
  ['yaml style, value with colons', 'URL: http://h:1', { URL: 'http://h:1' }],
  ['export prefix', 'export A=b', { A: 'b' }],
  ['export with spacing', 'export   A  =  b', { A: 'b' }],
  ['export glued is a key', 'exportA=b', { exportA: 'b' }],
  ['export as a key', 'export=b', { export: 'b' }],
  ['export export_a', 'export export_a=1', { export_a: '1' }],
  ['key characters', 'a.b-c_D9=1', { 'a.b-c_D9': '1' }],
  ['leading underscore', '_A=1', { _A: '1' }],
  ['indented line', '   A=b', { A: 'b' }],
  ['empty value', 'A=', { A: '' }],
  ['unquoted trimmed', 'A=   b c   ', { A: 'b c' }],
  ['inner whitespace kept', 'A=b   c', { A: 'b   c' }],
  ['tab before value', 'A=\tb', { A: 'b' }],
  ['equals in value', 'A=b=c==', { A: 'b=c==' }],
  ['comment after whitespace', 'A=b # c', { A: 'b' }],
  ['comment after tab', 'A=b\t# c', { A: 'b' }],
  ['hash without whitespace kept', 'A=a#b', { A: 'a#b' }],
  ['hash directly after equals kept', 'A=#b', { A: '#b' }],
  ['only a comment', 'A= # c', { A: '' }],
  ['first spaced hash cuts', 'A=a#b #c #d', { A: 'a#b' }],
  ['unquoted backslashes literal', 'A=a\\nb\\tc\\\\', { A: 'a\\nb\\tc\\\\' }],
  ['comment lines and blanks', '# A=1\n\n   # indented\nB=2\n', { B: '2' }],
  ['duplicate: last wins', 'A=1\nA=2', { A: '2' }],
  // single quotes and backticks: literal
  ['single quoted', "A='b c '", { A: 'b c ' }],
  ['single quoted escapes literal', "A='a\\nb'", { A: 'a\\nb' }],
  ['single quoted backslash-quote kept', "A='b\\'c'", { A: "b\\'c" }],
  ['single quoted no expansion', "B=x\nA='$B ${B}'", { B: 'x', A: '$B ${B}' }],
  ['single quoted hash', "A='a #b' # c", { A: 'a #b' }],
  ['single quoted multi-line', "A='x\ny'\nB=1", { A: 'x\ny', B: '1' }],
  ['empty single quotes', "A=''", { A: '' }],
  ['backticks', 'A=`b "c" \'d\'`', { A: 'b "c" \'d\'' }],
  ['backticks literal', 'B=x\nA=`$B\\n`', { B: 'x', A: '$B\\n' }],
  ['backticks multi-line', 'A=`x\ny`', { A: 'x\ny' }],
  // double quotes: escapes
  ['double quoted', 'A="b c "', { A: 'b c ' }],
  ['double newline escape', 'A="a\\nb"', { A: 'a\nb' }],
  ['double cr and tab', 'A="a\\rb\\tc"', { A: 'a\rb\tc' }],
  ['double backslash', 'A="a\\\\b"', { A: 'a\\b' }],
  ['double escaped quote', 'A="say \\"hi\\""', { A: 'say "hi"' }],
  ['double escaped dollar', 'A="\\$B"', { A: '$B' }],
  ['double unknown escape kept', 'A="C:\\apps\\qux"', { A: 'C:\\apps\\qux' }],
  ['double backslash then dollar', 'B=x\nA="\\\\$B"', { B: 'x', A: '\\x' }],
  ['double multi-line', 'A="x\ny"\nB=1', { A: 'x\ny', B: '1' }],
  ['double hash', 'A="a #b" # c', { A: 'a #b' }],
  ['comment right after quote', 'A="a"# c', { A: 'a' }],
  ['blanks after quote', 'A="a"   ', { A: 'a' }],
  ['quote inside unquoted', 'A=a"b', { A: 'a"b' }],
  ['json', 'A={"a": "b"}', { A: '{"a": "b"}' }],
  // line endings and BOM
  ['BOM', '\uFEFFA=1', { A: '1' }],
  ['CRLF', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
  ['lone CR', 'A=1\rB=2', { A: '1', B: '2' }],
  ['CRLF in quotes becomes LF', 'A="x\r\ny"', { A: 'x\ny' }],
  ['unicode value', 'A=àé ✓', { A: 'àé ✓' }],
];

for (const [name, text, expected] of SYNTAX) {
  test(`syntax: ${name}`, { timeout: 5_000 }, () => {
    assert.deepEqual(values(text), expected);
  });
}

const EXPANSION: Array<[name: string, text: string, inherited: Record<string, string>, expected: Record<string, string>]> = [
  ['$VAR', 'B=x\nA=$B', {}, { B: 'x', A: 'x' }],
  ['${VAR}', 'B=x\nA=${B}y', {}, { B: 'x', A: 'xy' }],
  ['$VAR stops at non-name', 'B=x\nA=$B.c-d', {}, { B: 'x', A: 'x.c-d' }],
  ['${dotted.name}', 'a.b=x\nA=${a.b}', {}, { 'a.b': 'x', A: 'x' }],
  ['unset $VAR is empty', 'A=<$NOPE>', {}, { A: '<>' }],
  ['from inherited', 'A=$HOME/x', { HOME: '/h' }, { A: '/h/x' }],
  ['in double quotes', 'A="${HOME} $HOME"', { HOME: '/h' }, { A: '/h /h' }],
  [':- unset', 'A=${U:-d}', {}, { A: 'd' }],
  [':- empty', 'A=${E:-d}', { E: '' }, { A: 'd' }],
  [':- set', 'A=${S:-d}', { S: 's' }, { A: 's' }],
  ['- unset', 'A=${U-d}', {}, { A: 'd' }],
  ['- empty', 'A=${E-d}', { E: '' }, { A: '' }],
  ['- set', 'A=${S-d}', { S: 's' }, { A: 's' }],
  [':+ unset', 'A=${U:+a}', {}, { A: '' }],
  [':+ empty', 'A=${E:+a}', { E: '' }, { A: '' }],
  [':+ set', 'A=${S:+a}', { S: 's' }, { A: 'a' }],
  ['+ unset', 'A=${U+a}', {}, { A: '' }],
  ['+ empty', 'A=${E+a}', { E: '' }, { A: 'a' }],
  [':? set', 'A=${S:?need S}', { S: 's' }, { A: 's' }],
  ['? empty is fine', 'A=${E?need E}', { E: '' }, { A: '' }],
  ['nested default', 'A=${U:-${V:-${S}}}', { S: 's' }, { A: 's' }],
  ['default with reference and text', 'A=${U:-$S/x:y}', { S: 's' }, { A: 's/x:y' }],
  ['default with colon', 'A=${U:-/p:with/colon}', {}, { A: '/p:with/colon' }],
  ['default with escaped quote', 'A="${U:-say \\"hi\\"}"', {}, { A: 'say "hi"' }],
  ['$$ is a dollar', 'A=a$$b', { b: 'x' }, { A: 'a$b' }],
  ['\\$ unquoted is a dollar', 'A=\\$S', { S: 's' }, { A: '$S' }],
  ['$ before non-name', 'A=$ $1 $- $. $', {}, { A: '$ $1 $- $. $' }],
  ['$(...) kept', 'A=$(echo $S) b', { S: 's' }, { A: '$(echo $S) b' }],
  ['$(...) nested parens kept', 'A="$(a (b) $S) $S"', { S: 's' }, { A: '$(a (b) $S) s' }],
  ['self reference', 'A=$A', {}, { A: '' }],
  ['concatenated', 'X=1\nY=2\nA=$X$Y${X}', {}, { X: '1', Y: '2', A: '121' }],
  ['forward reference sees only env', 'A=$B\nB=file', { }, { A: '', B: 'file' }],
];

for (const [name, text, inherited, expected] of EXPANSION) {
  test(`expansion: ${name}`, { timeout: 5_000 }, () => {
    const got = values(text, {}, inherited);
    // Only the file-defined keys are compared; inherited-only keys are not part of vars.
    assert.deepEqual(got, expected);
  });
}

test('expand: false keeps $ literal but still processes double-quote escapes', { timeout: 5_000 }, () => {
  assert.deepEqual(values('B=x\nA=$B ${B}\nC="$B\\n\\$B\\"q\\""\nD=\\$B', { expand: false }), {
    B: 'x',
    A: '$B ${B}',
    C: '$B\n$B"q"',
    D: '\\$B',
  });
});

test('bare keys inherit or are dropped without error', { timeout: 5_000 }, () => {
  assert.deepEqual(values('HOME\nNOPE\nEMPTY # comment\n', {}, { HOME: '/h', EMPTY: '' }), { HOME: '/h', EMPTY: '' });
  assert.deepEqual(values('export HOME', {}, { HOME: '/h' }), { HOME: '/h' });
  // `export KEY` after KEY=... only marks it for export.
  assert.deepEqual(values('A=1\nexport A', {}, {}), { A: '1' });
});

/** Diagnostics as "line: severity: message" for compact tables. */
function problems(text: string, opts: Partial<EnvOptions> = {}): string[] {
  return loadEnv([{ path: 'app/.env', text }], { SET: 's' }, { ...DEFAULTS, ...opts }).diagnostics.map(
    (d) => `${d.file}:${d.line}: ${d.severity}: ${d.message}`,
  );
}

const ERRORS: Array<[name: string, text: string, expected: string[]]> = [
  ['invalid key', 'A=1\n1abc=secret', ['app/.env:2: error: expected a key like NAME=value, got "1abc="']],
  ['empty key', '=secret', ['app/.env:1: error: expected a key like NAME=value, got "="']],
  ['bad key characters', 'a[1]=x', ['app/.env:1: error: expected a key like NAME=value, got "a[1]="']],
  ['not an assignment', 'A=1\nfoo bar baz', ['app/.env:2: error: expected NAME=value, got a line with no "="']],
  ['not an assignment with =', 'foo bar=baz', ['app/.env:1: error: expected NAME=value, got "foo bar="']],
  ['colon without a blank', 'http://host', ['app/.env:1: error: expected NAME=value, got a line with no "="']],
  ['lone invalid word', 'lol$wut', ['app/.env:1: error: expected NAME=value, got a line with no "="']],
  ['unterminated double', 'A=1\nB="abc\nC=2\n', ['app/.env:2: error: unterminated double quote in the value of B']],
  ['unterminated single', "A='abc", ["app/.env:1: error: unterminated single quote in the value of A"]],
  ['unterminated backtick', 'A=`abc', ['app/.env:1: error: unterminated backtick quote in the value of A']],
  ['text after closing quote', 'A="x"y', ['app/.env:1: error: unexpected text after the closing quote of A']],
  ['text after multi-line quote', 'A="x\ny" z', ['app/.env:2: error: unexpected text after the closing quote of A']],
  [':? unset', 'A=${NOPE:?set NOPE first}', ['app/.env:1: error: A: required variable NOPE is not set or empty: set NOPE first']],
  ['? unset, no message', 'A=${NOPE?}', ['app/.env:1: error: A: required variable NOPE is not set']],
  [':? in double quotes', 'A="${NOPE:?}"', ['app/.env:1: error: A: required variable NOPE is not set or empty']],
  ['unterminated ${', 'A=${SET', ['app/.env:1: error: A: unterminated "${SET" reference (missing "}")']],
  ['unterminated default', 'A=${SET:-x', ['app/.env:1: error: A: unterminated "${" reference (missing "}")']],
  ['${} without name', 'A=${}', ['app/.env:1: error: A: expected a variable name after "${"']],
  ['bad operator', 'A=${SET%x}', ['app/.env:1: error: A: expected "}", ":-", "-", ":+", "+", ":?" or "?" after "${SET"']],
  ['line numbers after multi-line value', 'A="1\n2\n3"\n1x=2', ['app/.env:4: error: expected a key like NAME=value, got "1x="']],
  ['line numbers with CRLF', 'A=1\r\n\r\n1x=2', ['app/.env:3: error: expected a key like NAME=value, got "1x="']],
];

for (const [name, text, expected] of ERRORS) {
  test(`error: ${name}`, { timeout: 5_000 }, () => {
    assert.deepEqual(problems(text), expected);
  });
}

test('unused defaults are not evaluated (no :? error from a branch not taken)', { timeout: 5_000 }, () => {
  assert.deepEqual(problems('A=${SET:-${NOPE:?x}}\nB=${NOPE:+${NOPE2:?y}}'), []);
});

test('a failed line does not stop the rest of the file', { timeout: 5_000 }, () => {
  const loaded = loadEnv([{ path: '.env', text: 'A=1\n1x=2\nB="open\nC=3' }], {}, DEFAULTS);
  assert.deepEqual(
    loaded.vars.map((v) => v.key),
    ['A', 'C'],
  );
  assert.equal(loaded.diagnostics.length, 2);
});

test('lenient mode turns every problem into a warning and skips only that line', { timeout: 5_000 }, () => {
  const text = 'A=1\n1x=2\nB="open\nC=3\nfoo bar\nD=${NOPE:?}\nE=5';
  const loaded = loadEnv([{ path: '.env', text }], {}, { ...DEFAULTS, lenient: true });
  assert.deepEqual(
    loaded.diagnostics.map((d) => [d.line, d.severity]),
    [
      [2, 'warning'],
      [3, 'warning'],
      [5, 'warning'],
      [6, 'warning'],
    ],
  );
  assert.deepEqual(Object.fromEntries(loaded.vars.map((v) => [v.key, v.value])), { A: '1', C: '3', E: '5' });
});

test('messages never contain values', { timeout: 5_000 }, () => {
  const secret = 'hunter2-SECRET';
  const text = [
    `1bad=${secret}`,
    `bad key=${secret}`,
    `${secret} and more`,
    `A="${secret}" ${secret}`,
    `B=\${NOPE:?} ${secret}`,
    `C=\${SET%${secret}}`,
    `D='${secret}`,
  ].join('\n');
  const all = problems(text).join('\n') + problems(text, { lenient: true }).join('\n');
  assert.equal(problems(text).length, 7);
  assert.ok(!all.includes('hunter2'), all);
});

test('parseDotenv keeps raw text and line numbers for the loader', { timeout: 5_000 }, () => {
  const parsed = parseDotenv('A="x\\n$B"\nexport C\nD=\'y\'\n', 'f', { lenient: false });
  assert.deepEqual(parsed.entries, [
    { kind: 'assign', key: 'A', line: 1, quote: 'double', raw: 'x\\n$B' },
    { kind: 'bare', key: 'C', line: 2, exported: true },
    { kind: 'assign', key: 'D', line: 3, quote: 'single', raw: 'y' },
  ]);
  assert.deepEqual(parsed.diagnostics, []);
});
