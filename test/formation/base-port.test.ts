import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DozenError } from '../../src/errors.js';
import { resolveBasePort } from '../../src/formation/base-port.js';

describe('resolveBasePort: precedence -p > PORT > 5000', () => {
  const cases: Array<{ name: string; flag?: string; env?: string; want: number }> = [
    { name: 'nothing: 5000', want: 5000 },
    { name: 'PORT only', env: '4200', want: 4200 },
    { name: '-p only', flag: '4400', want: 4400 },
    { name: '-p beats PORT', flag: '4400', env: '4200', want: 4400 },
    { name: 'empty PORT counts as unset', env: '', want: 5000 },
    { name: 'blank PORT counts as unset', env: '  ', want: 5000 },
    { name: 'whitespace around the number', flag: ' 8000 ', want: 8000 },
    { name: 'lowest port', flag: '1', want: 1 },
    { name: 'highest port', env: '65535', want: 65535 },
    { name: 'leading zero', env: '08080', want: 8080 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(resolveBasePort(c.flag, c.env), c.want));
  }

  test('-p is used even when PORT is invalid', () => {
    assert.equal(resolveBasePort('3000', 'not-a-port'), 3000);
  });
});

describe('resolveBasePort: invalid values', () => {
  const range = 'expected a port number from 1 to 65535';
  const flagCases: Array<[string, string]> = [
    ['abc', `-p/--port: ${range}, got "abc"`],
    ['', `-p/--port: ${range}, got ""`],
    ['0', `-p/--port: ${range}, got "0"`],
    ['65536', `-p/--port: ${range}, got "65536"`],
    ['-1', `-p/--port: ${range}, got "-1"`],
    ['80.5', `-p/--port: ${range}, got "80.5"`],
    ['0x50', `-p/--port: ${range}, got "0x50"`],
    ['123456789012345678901234567890', `-p/--port: ${range}, got "1234567890123456789…"`],
  ];
  for (const [flag, message] of flagCases) {
    test(`-p ${JSON.stringify(flag)} is a usage error`, () => {
      assert.throws(
        () => resolveBasePort(flag, '4000'),
        (err: unknown) => err instanceof DozenError && err.code === 'usage' && err.exitCode === 2 && err.message === message,
      );
    });
  }

  for (const env of ['forego', '0', '70000', '5000x']) {
    test(`PORT=${env} is a config error`, () => {
      assert.throws(
        () => resolveBasePort(undefined, env),
        (err: unknown) =>
          err instanceof DozenError &&
          err.code === 'config' &&
          err.message === `PORT: ${range}, got "${env}".` &&
          err.hint === 'PORT comes from the environment or an env file; fix it there or pass -p/--port.',
      );
    });
  }
});
