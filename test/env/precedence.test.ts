// Table test of the one precedence rule: last file definition wins among files; the inherited
// environment (set, even to "") wins over all of them unless override.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePrecedence, type Definition, type Resolution } from '../../src/env/precedence.js';

const env1: Definition = { value: 'one', file: '.env', line: 1 };
const env3: Definition = { value: 'three', file: '.env', line: 3 };
const local: Definition = { value: 'local', file: '.env.local', line: 2 };
const bare: Definition = { value: 'inh', file: '.env.local', line: 5, fromInherited: true };

const fromFile = (d: Definition): Resolution => ({ value: d.value, source: { type: 'file', file: d.file, line: d.line } });
const inherited = (value: string, lost?: Definition): Resolution =>
  lost
    ? { value, source: { type: 'inherited' }, shadowed: { file: lost.file, line: lost.line, value: lost.value } }
    : { value, source: { type: 'inherited' } };

const CASES: Array<[name: string, defs: Definition[], inh: string | undefined, override: boolean, expected: Resolution | undefined]> = [
  ['nothing anywhere', [], undefined, false, undefined],
  ['nothing anywhere, override', [], undefined, true, undefined],
  ['inherited only', [], 'inh', false, inherited('inh')],
  ['inherited only, override', [], 'inh', true, inherited('inh')],
  ['one file definition', [env1], undefined, false, fromFile(env1)],
  ['duplicate in one file: last wins', [env1, env3], undefined, false, fromFile(env3)],
  ['later file wins', [env1, local], undefined, false, fromFile(local)],
  ['later file wins, override', [env1, local], undefined, true, fromFile(local)],
  ['inherited wins over files', [env1, local], 'inh', false, inherited('inh', local)],
  ['inherited empty still wins', [env1], '', false, inherited('', env1)],
  ['override: file wins over inherited', [env1, local], 'inh', true, fromFile(local)],
  ['override: file wins over empty inherited', [env1], '', true, fromFile(env1)],
  ['bare key last: inherited, nothing shadowed', [env1, bare], 'inh', false, inherited('inh')],
  ['bare key last, override: still the inherited value', [env1, bare], 'inh', true, { value: 'inh', source: { type: 'inherited' } }],
  ['bare key then a file value, override: file wins', [bare, local], 'inh', true, fromFile(local)],
  ['bare key then a file value: inherited wins', [bare, local], 'inh', false, inherited('inh', local)],
];

for (const [name, defs, inh, override, expected] of CASES) {
  test(`precedence: ${name}`, { timeout: 5_000 }, () => {
    assert.deepEqual(resolvePrecedence(defs, inh, override), expected);
  });
}
