import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDrainList, parseDrainUrl, redact } from '../../../src/logs/drains/drain-url.js';
import { DozenError } from '../../../src/errors.js';

test('parseDrainUrl: syslog, syslog+tls and https drains', () => {
  assert.deepEqual(parseDrainUrl('syslog://logs.example.com:514'), { kind: 'syslog', tls: false, host: 'logs.example.com', port: 514, display: 'syslog://logs.example.com:514' });
  assert.deepEqual(parseDrainUrl('syslog+tls://10.0.0.5:6514'), { kind: 'syslog', tls: true, host: '10.0.0.5', port: 6514, display: 'syslog+tls://10.0.0.5:6514' });
  assert.deepEqual(parseDrainUrl('syslog://[::1]:1514'), { kind: 'syslog', tls: false, host: '::1', port: 1514, display: 'syslog://[::1]:1514' });
  const https = parseDrainUrl('https://user:s3cr%40t@logs.example.com/drain?x=1');
  assert.deepEqual(https, {
    kind: 'https',
    url: 'https://logs.example.com/drain?x=1',
    authorization: `Basic ${Buffer.from('user:s3cr@t').toString('base64')}`,
    display: 'https://user:***@logs.example.com/drain?x=1',
  });
  assert.equal((parseDrainUrl('https://logs.example.com/') as { authorization?: string }).authorization, undefined);
});

test('parseDrainUrl: one-line usage errors that never show a password', () => {
  const table: Array<[string, RegExp]> = [
    ['logs.example.com:514', /^--drain: expected syslog:\/\/host:port, syslog\+tls:\/\/host:port or https:\/\/.*, got scheme "logs.example.com:" in "logs.example.com:514"$/],
    ['not a url', /^--drain: expected syslog:\/\/host:port, syslog\+tls:\/\/host:port or https:\/\/.*, got "not a url"$/],
    ['ftp://h:21', /got scheme "ftp:" in "ftp:\/\/h:21"$/],
    ['http://user:hunter2@h/x', /got scheme "http:" in "http:\/\/user:\*\*\*@h\/x"$/],
    ['syslog://logs.example.com', /^--drain: syslog:\/\/logs.example.com: expected a port, as in syslog:\/\/logs.example.com:514$/],
    ['syslog+tls://h', /expected a port, as in syslog\+tls:\/\/h:6514$/],
    ['syslog://h:514/path', /a syslog drain is just syslog:\/\/host:port$/],
    ['syslog://h:99999', /^--drain: expected/],
    ['', /^--drain: expected/],
  ];
  for (const [input, want] of table) {
    assert.throws(
      () => parseDrainUrl(input),
      (e: unknown) => e instanceof DozenError && e.code === 'usage' && want.test(e.message) && !e.message.includes('hunter2') && !e.message.includes('\n'),
      input,
    );
  }
});

test('parseDrainList: flags then DOZEN_DRAINS, comma-separated, duplicates once', () => {
  const list = parseDrainList(['syslog://a:1', 'syslog://d:4,syslog://e:5'], 'syslog://b:2, https://c/x ,syslog://a:1,');
  assert.deepEqual(list.map((d) => d.display), ['syslog://a:1', 'syslog://d:4', 'syslog://e:5', 'syslog://b:2', 'https://c/x']);
  assert.deepEqual(parseDrainList([], undefined), []);
});

test('redact hides the password only', () => {
  assert.equal(redact('https://u:p@h/x'), 'https://u:***@h/x');
  assert.equal(redact('https://h/x?a=b:c@d'), 'https://h/x?a=b:c@d');
  assert.equal(redact('syslog://h:514'), 'syslog://h:514');
});
