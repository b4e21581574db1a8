import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../src/errors.js';
import { parseProcfile } from '../../src/procfile/parse.js';

/** Name/command pairs, the compact shape the tables compare. */
const pairs = (text: string, strict = false): Array<[string, string]> =>
  parseProcfile(text, 'Procfile', { strict }).entries.map((e) => [e.name, e.command]);

/** The diagnostics as the one lines a user sees, with severity. */
const problems = (text: string, strict = false): string[] =>
  parseProcfile(text, 'Procfile', { strict }).diagnostics.map((d) => `${d.severity} ${formatDiagnostic(d)}`);

describe('parseProcfile: accepted lines', () => {
  const cases: Array<{ name: string; text: string; want: Array<[string, string]> }> = [
    { name: 'one entry', text: 'web: node web.js\n', want: [['web', 'node web.js']] },
    { name: 'no newline at end', text: 'web: node web.js', want: [['web', 'node web.js']] },
    { name: 'file order kept', text: 'b: 2\na: 1\nc: 3\n', want: [['b', '2'], ['a', '1'], ['c', '3']] },
    { name: 'tab after colon', text: 'web:\tnode web.js', want: [['web', 'node web.js']] },
    { name: 'no space after colon', text: 'web:node web.js', want: [['web', 'node web.js']] },
    { name: 'blanks before the colon', text: 'web \t : node web.js', want: [['web', 'node web.js']] },
    { name: 'leading whitespace', text: '   web: node web.js', want: [['web', 'node web.js']] },
    { name: 'trailing whitespace trimmed', text: 'web: node web.js  \t ', want: [['web', 'node web.js']] },
    { name: 'inner spacing kept', text: 'env: bin/env  FOO', want: [['env', 'bin/env  FOO']] },
    { name: 'colons in the command', text: 'web: echo foo: bar', want: [['web', 'echo foo: bar']] },
    { name: 'double colon is command text', text: 'web:: x', want: [['web', ': x']] },
    { name: 'inline # kept for the shell', text: 'web: node web.js # note', want: [['web', 'node web.js # note']] },
    { name: 'shell text verbatim', text: 'web: sh -c "echo $X" >/dev/null 2>&1', want: [['web', 'sh -c "echo $X" >/dev/null 2>&1']] },
    { name: 'names with _ - digits and case', text: 'foo_bar: a\nfoo-bar: b\n2x: c\n-x: d\nWeb: e', want: [['foo_bar', 'a'], ['foo-bar', 'b'], ['2x', 'c'], ['-x', 'd'], ['Web', 'e']] },
    { name: 'comments and blank lines', text: '# top\n\n  # indented\n#web: no\nweb: yes\n\n', want: [['web', 'yes']] },
    { name: 'BOM', text: '\uFEFFweb: a\n', want: [['web', 'a']] },
    { name: 'CRLF', text: 'web: a\r\nworker: b\r\n', want: [['web', 'a'], ['worker', 'b']] },
    { name: 'release is a normal entry', text: 'release: migrate\nweb: a', want: [['release', 'migrate'], ['web', 'a']] },
    { name: 'unicode command', text: 'web: echo héllo ✓', want: [['web', 'echo héllo ✓']] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(pairs(c.text), c.want);
      assert.deepEqual(problems(c.text), []);
    });
  }

  test('entries carry their 1-based line numbers', () => {
    const parsed = parseProcfile('# c\n\nweb: a\r\nworker: b', 'Procfile');
    assert.deepEqual(parsed.entries.map((e) => e.line), [3, 4]);
    assert.equal(parsed.path, 'Procfile');
  });
});

describe('parseProcfile: problems', () => {
  const cases: Array<{ name: string; text: string; strict?: boolean; want: string[]; entries?: string[] }> = [
    {
      name: 'missing colon: warning with a suggestion',
      text: 'web: a\nworker python serve.py\n',
      want: ['warning Procfile:2: expected "name: command", got "worker python serve.py". Did you mean "worker: python serve.py"?'],
      entries: ['web'],
    },
    {
      name: 'missing colon under --strict is an error',
      text: 'web: a\nweb2 python serve.py',
      strict: true,
      want: ['error Procfile:2: expected "name: command", got "web2 python serve.py". Did you mean "web2: python serve.py"?'],
      entries: ['web'],
    },
    {
      name: '= instead of :',
      text: 'web: a\nworker = node w.js',
      want: ['warning Procfile:2: expected "name: command", got "worker = node w.js". Did you mean "worker: node w.js"?'],
    },
    {
      name: 'a name alone',
      text: 'web: a\nworker',
      want: ['warning Procfile:2: expected "name: command", got "worker". Add the command after a colon: "worker: <command>".'],
    },
    {
      name: 'invalid character in the name',
      text: 'web: a\n+foo: b',
      want: ['warning Procfile:2: expected "name: command", got "+foo: b". Process names use letters, digits, "_" and "-", not "+".'],
    },
    {
      name: 'invalid character under --strict names the strict alphabet',
      text: 'is_w.e.b: echo hello',
      strict: true,
      want: ['error Procfile:1: expected "name: command", got "is_w.e.b: echo hello". Process names use a-z, 0-9 and "-", not ".".'],
    },
    {
      name: 'missing colon before a command that has one',
      text: 'web: a\nworker python w.py --bind=:80',
      want: ['warning Procfile:2: expected "name: command", got "worker python w.py --bind=:80". Did you mean "worker: python w.py --bind=:80"?'],
    },
    {
      name: '// comment',
      text: '// note\nweb: a',
      want: ['warning Procfile:1: expected "name: command", got "// note". Comments start with "#".'],
    },
    {
      name: 'no name before the colon',
      text: 'web: a\n: rails s',
      want: ['warning Procfile:2: expected "name: command", got ": rails s". The process name before ":" is missing.'],
    },
    {
      name: 'junk without a guess',
      text: 'web: a\n&&&&&',
      want: ['warning Procfile:2: expected "name: command", got "&&&&&"'],
    },
    {
      name: 'long lines are shortened in messages',
      text: `web: a\n${'x'.repeat(100)} y`,
      want: [`warning Procfile:2: expected "name: command", got "${'x'.repeat(59)}…". Did you mean "${'x'.repeat(59)}…"?`],
    },
    {
      name: 'empty command',
      text: 'web:\nworker: b',
      want: ['error Procfile:1: process "web" has no command. Write it after the colon: "web: <command>".'],
      entries: ['worker'],
    },
    {
      name: 'whitespace-only command',
      text: 'worker: b\nweb:  \t',
      want: ['error Procfile:2: process "web" has no command. Write it after the colon: "web: <command>".'],
      entries: ['worker'],
    },
    {
      name: 'duplicate name mentions the first line; the first wins',
      text: 'web: a\n\nweb: b',
      want: ['error Procfile:3: duplicate process name "web" (first defined on line 1). Each process type needs its own name.'],
      entries: ['web'],
    },
    { name: 'empty file', text: '', want: ['error Procfile:1: no process defined. Add a line like "web: <command>".'] },
    { name: 'only a newline', text: '\n', want: ['error Procfile:1: no process defined. Add a line like "web: <command>".'] },
    { name: 'only comments', text: '# web: a\n', want: ['error Procfile:1: no process defined. Add a line like "web: <command>".'] },
    {
      name: 'only bad lines: the warning and the missing process',
      text: 'web node a',
      want: [
        'warning Procfile:1: expected "name: command", got "web node a". Did you mean "web: node a"?',
        'error Procfile:1: no process defined. Add a line like "web: <command>".',
      ],
    },
    {
      name: 'no extra "no process" error after a specific error',
      text: 'web:',
      want: ['error Procfile:1: process "web" has no command. Write it after the colon: "web: <command>".'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(problems(c.text, c.strict), c.want);
      if (c.entries) assert.deepEqual(pairs(c.text, c.strict).map(([n]) => n), c.entries);
    });
  }

  test('diagnostics name the path they were given', () => {
    const parsed = parseProcfile('oops', 'examples/hello/Procfile');
    assert.ok(parsed.diagnostics.length > 0);
    for (const d of parsed.diagnostics) assert.equal(d.file, 'examples/hello/Procfile');
  });
});

describe('parseProcfile --strict: Heroku name rules', () => {
  const accepted = ['a', 'web', 'web-2', '2web', 'a'.repeat(63)];
  for (const name of accepted) {
    test(`accepts ${name.length > 10 ? `${name.length} chars` : name}`, () => {
      assert.deepEqual(pairs(`${name}: x`, true), [[name, 'x']]);
      assert.deepEqual(problems(`${name}: x`, true), []);
    });
  }

  const rejected: Array<[string, string]> = [
    ['Web', 'error Procfile:1: process name "Web" has uppercase letters; with --strict (Heroku rules) names are lowercase. Rename it to "web".'],
    ['foo_bar', 'error Procfile:1: process name "foo_bar" contains "_"; with --strict (Heroku rules) only a-z, 0-9 and "-" are allowed. Rename it to "foo-bar".'],
    ['-key', 'error Procfile:1: process name "-key" starts or ends with "-"; with --strict (Heroku rules) it must start and end with a letter or digit'],
    ['key-', 'error Procfile:1: process name "key-" starts or ends with "-"; with --strict (Heroku rules) it must start and end with a letter or digit'],
    ['a'.repeat(64), `error Procfile:1: process name "${'a'.repeat(59)}…" is 64 characters long; with --strict (Heroku rules) the limit is 63`],
  ];
  for (const [name, want] of rejected) {
    test(`rejects ${name.length > 10 ? `${name.length} chars` : name}`, () => {
      assert.deepEqual(problems(`${name}: x`, true), [want]);
      assert.deepEqual(pairs(`${name}: x`, true), []);
      // The same names are fine without --strict (foreman's rules).
      assert.deepEqual(pairs(`${name}: x`, false), [[name, 'x']]);
    });
  }
});
