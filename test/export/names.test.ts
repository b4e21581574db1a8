import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportNames, sanitizeName, userName } from '../../src/export/names.js';
import { DozenError } from '../../src/errors.js';

test('sanitizeName: one rule for every target', () => {
  const table: Array<[string, string]> = [
    ['web', 'web'],
    ['Odd_Type', 'odd-type'],
    ['My App!', 'my-app'],
    ['--x--', 'x'],
    ['a..b__c', 'a-b-c'],
    ['café', 'cafe'],
    ['日本 app', 'app'],
    ['2custom', '2custom'],
    ['x'.repeat(40), 'x'.repeat(30)],
    [`${'a'.repeat(29)}-b`, 'a'.repeat(29)],
  ];
  for (const [raw, expected] of table) assert.equal(sanitizeName(raw), expected, raw);
});

test('sanitizeName refuses a name with nothing usable', () => {
  assert.throws(() => sanitizeName('日本', 'app name'), (err: unknown) => err instanceof DozenError && /--app/.test(err.oneLine()));
  assert.throws(() => sanitizeName('!!!'), DozenError);
});

test('exportNames: app names start with a letter; types map one to one', () => {
  const names = exportNames('2048 Game', ['web', 'Odd_Type']);
  assert.equal(names.app, 'app-2048-game');
  assert.deepEqual([...names.typeNames], [['web', 'web'], ['Odd_Type', 'odd-type']]);
});

test('exportNames: two types that sanitise alike are an error naming both', () => {
  assert.throws(
    () => exportNames('app', ['foo_bar', 'foo-bar']),
    (err: unknown) => err instanceof DozenError && err.message.includes('"foo_bar" and "foo-bar"'),
  );
});

test('userName accepts plain names only', () => {
  assert.equal(userName('deploy'), 'deploy');
  assert.equal(userName('www-data'), 'www-data');
  for (const bad of ['', 'a b', 'x\nUser=root', 'a;b', '%i']) assert.throws(() => userName(bad), DozenError, bad);
});
