// loadEnv: layering several files over the inherited environment, references resolved to the
// value the child really gets, sources for --explain, and diagnostics per file.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEnv } from '../../src/env/load-env.js';
import type { EnvOptions } from '../../src/env/types.js';

const DEFAULTS: EnvOptions = { override: false, expand: true, lenient: false };
const files = (...texts: string[]) => texts.map((text, i) => ({ path: i === 0 ? '.env' : '.env.local', text }));
const valuesOf = (loaded: ReturnType<typeof loadEnv>) => Object.fromEntries(loaded.vars.map((v) => [v.key, v.value]));

test('later file wins; vars keep first-definition order', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('A=1\nB=2', 'C=3\nA=10'), {}, DEFAULTS);
  assert.deepEqual(loaded.vars, [
    { key: 'A', value: '10', source: { type: 'file', file: '.env.local', line: 2 } },
    { key: 'B', value: '2', source: { type: 'file', file: '.env', line: 2 } },
    { key: 'C', value: '3', source: { type: 'file', file: '.env.local', line: 1 } },
  ]);
  assert.deepEqual(loaded.diagnostics, []);
});

test('inherited environment wins, shadowing the file definition', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('PORT=5000\nA=1', 'PORT=6000'), { PORT: '4000', OTHER: 'x' }, DEFAULTS);
  assert.deepEqual(loaded.vars[0], {
    key: 'PORT',
    value: '4000',
    source: { type: 'inherited' },
    shadowed: { file: '.env.local', line: 1, value: '6000' },
  });
  // Keys only in the inherited environment are not the app's config.
  assert.deepEqual(
    loaded.vars.map((v) => v.key),
    ['PORT', 'A'],
  );
});

test('a variable set to "" in the inherited environment still wins', { timeout: 5_000 }, () => {
  assert.deepEqual(valuesOf(loadEnv(files('A=1'), { A: '' }, DEFAULTS)), { A: '' });
});

test('undefined entries in the inherited record count as unset', { timeout: 5_000 }, () => {
  assert.deepEqual(valuesOf(loadEnv(files('A=1\nB'), { A: undefined, B: undefined }, DEFAULTS)), { A: '1' });
});

test('override lets the files win', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('A=1', 'A=2'), { A: 'inh' }, { ...DEFAULTS, override: true });
  assert.deepEqual(loaded.vars, [{ key: 'A', value: '2', source: { type: 'file', file: '.env.local', line: 1 } }]);
});

test('references see the value the child really gets', { timeout: 5_000 }, () => {
  const text = 'HOST=file-host\nURL=http://$HOST\n';
  // Without override the inherited HOST wins, so ${HOST} is the inherited value too.
  assert.deepEqual(valuesOf(loadEnv(files(text), { HOST: 'env-host' }, DEFAULTS)), { HOST: 'env-host', URL: 'http://env-host' });
  // With override the file value wins for both.
  assert.deepEqual(valuesOf(loadEnv(files(text), { HOST: 'env-host' }, { ...DEFAULTS, override: true })), {
    HOST: 'file-host',
    URL: 'http://file-host',
  });
});

test('references see earlier files, the latest definition so far, and not later ones', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('A=1\nB=$A\nC=$D\nD=4', 'E=$A$B\nA=2\nF=$A'), {}, DEFAULTS);
  assert.deepEqual(valuesOf(loaded), { A: '2', B: '1', C: '', D: '4', E: '11', F: '2' });
});

test('self reference with override sees the inherited value', { timeout: 5_000 }, () => {
  const opts = { ...DEFAULTS, override: true };
  assert.deepEqual(valuesOf(loadEnv(files('PATH=/app/bin:$PATH'), { PATH: '/usr/bin' }, opts)), { PATH: '/app/bin:/usr/bin' });
});

test('bare key: inherited source, no shadowing; unset bare key keeps an earlier value', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('A=1\nB=2', 'A\nB'), { A: 'inh' }, { ...DEFAULTS, override: true });
  assert.deepEqual(loaded.vars, [
    { key: 'A', value: 'inh', source: { type: 'inherited' } },
    { key: 'B', value: '2', source: { type: 'file', file: '.env', line: 2 } },
  ]);
});

test('diagnostics name the file they come from', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('A=1', 'A=2\n9=x'), {}, DEFAULTS);
  assert.deepEqual(
    loaded.diagnostics.map((d) => `${d.file}:${d.line}`),
    ['.env.local:2'],
  );
  assert.deepEqual(valuesOf(loaded), { A: '2' });
});

test('a value that fails to expand is not defined (and an earlier one survives)', { timeout: 5_000 }, () => {
  const loaded = loadEnv(files('A=1', 'A=${NOPE:?}'), {}, DEFAULTS);
  assert.deepEqual(valuesOf(loaded), { A: '1' });
  assert.equal(loaded.diagnostics[0]?.severity, 'error');
});

test('no files, empty files', { timeout: 5_000 }, () => {
  assert.deepEqual(loadEnv([], { A: '1' }, DEFAULTS), { vars: [], diagnostics: [] });
  assert.deepEqual(loadEnv(files('', '\n\n# only comments\n'), {}, DEFAULTS), { vars: [], diagnostics: [] });
});

test('inherited keys like __proto__ or toString are plain data', { timeout: 5_000 }, () => {
  assert.deepEqual(valuesOf(loadEnv(files('A=$toString\nB=${constructor:-d}'), {}, DEFAULTS)), { A: '', B: 'd' });
});

test('what no process environment can hold is an error naming the line: a NUL byte, a value over 128 KiB, 1 MiB in all', { timeout: 5_000 }, () => {
  const messages = (text: string) => loadEnv(files(text), {}, DEFAULTS).diagnostics.map((d) => `${d.line}: ${d.message}`);
  assert.deepEqual(messages('A="x\0y"\nB=\'\0\'\nC=x\0'), [
    '1: A: the value contains a NUL byte, which no environment variable can hold',
    '2: B: the value contains a NUL byte, which no environment variable can hold',
    '3: C: the value contains a NUL byte, which no environment variable can hold',
  ]);
  // KEY=value and its NUL: 131072 bytes is the most.
  assert.deepEqual(messages(`AB=${'v'.repeat(131_072 - 4)}`), []);
  assert.deepEqual(messages(`AB=${'v'.repeat(131_072 - 3)}`), ["1: AB: the value is 129 KiB; one environment variable holds at most 128 KiB (Linux's MAX_ARG_STRLEN)"]);
  // Expansion stops as soon as the value passes the cap: three copies of 64 KiB are never built.
  const tripled = `H=${'h'.repeat(65_536)}\nT=\${H}\${H}\${H}\${H}`;
  assert.deepEqual(messages(tripled), ['2: T: expands to more than 128 KiB']);
  const many = Array.from({ length: 9 }, (_, i) => `V${i}=${'v'.repeat(120_000)}`).join('\n');
  assert.deepEqual(messages(many), ["9: V8: the env files' values add up to more than 1024 KiB, more than a process environment can be given"]);
  // A bare KEY copies what dozen was given: never refused.
  assert.deepEqual(loadEnv(files('BIG'), { BIG: 'b'.repeat(200_000) }, DEFAULTS).diagnostics, []);
});
