import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerField, octetFrame, syslogMessage, type DrainLine } from '../../../src/logs/drains/syslog-frame.js';
import { parse5424, parseOctetFrames } from './receivers.js';

const TS = Date.parse('2026-11-28T16:40:12.123Z') * 1000 + 456;
const header = { hostname: 'box', appName: 'shop' };
const line = (over: Partial<DrainLine>): DrainLine => ({ tsUs: TS, instance: 'web.1', source: 'app', stream: 'stdout', text: 'GET / 200', ...over });

test('syslogMessage: RFC 5424 with severity by stream, app name, instance as PROCID, source as MSGID', () => {
  const table: Array<[Partial<DrainLine>, string]> = [
    [{}, '<14>1 2026-11-28T16:40:12.123456+00:00 box shop web.1 app - GET / 200'],
    [{ stream: 'stderr', text: 'boom' }, '<11>1 2026-11-28T16:40:12.123456+00:00 box shop web.1 app - boom'],
    [{ source: 'dozen', stream: 'info', text: 'web.1 started pid 9' }, '<14>1 2026-11-28T16:40:12.123456+00:00 box shop web.1 dozen - web.1 started pid 9'],
    [{ source: 'dozen', instance: 'dozen', stream: 'warn', text: 'x' }, '<12>1 2026-11-28T16:40:12.123456+00:00 box shop dozen dozen - x'],
    [{ source: 'dozen', stream: 'error', text: '' }, '<11>1 2026-11-28T16:40:12.123456+00:00 box shop web.1 dozen - '],
  ];
  for (const [over, want] of table) {
    const msg = syslogMessage(line(over), header);
    assert.equal(msg, want);
    parse5424(msg); // and the strict parser agrees
  }
});

test('header fields are printable ASCII, bounded, never empty', () => {
  assert.equal(headerField('my app', 48), 'my_app');
  assert.equal(headerField('café', 48), 'caf_');
  assert.equal(headerField('', 48), '-');
  assert.equal(headerField('x'.repeat(60), 48), 'x'.repeat(48));
  const msg = syslogMessage(line({ instance: 'web 1' }), { hostname: '', appName: 'a b' });
  assert.deepEqual([parse5424(msg).hostname, parse5424(msg).appName, parse5424(msg).procId], ['-', 'a_b', 'web_1']);
});

test('octetFrame counts bytes, not characters, and frames round-trip', () => {
  assert.equal(octetFrame('héllo'), '6 héllo');
  const msgs = ['a', 'ünïcödé ✓', 'with\nnewline inside', ''.padEnd(70_000, 'z')];
  const stream = Buffer.from(msgs.map((m) => octetFrame(m)).join(''));
  const { messages, rest } = parseOctetFrames(stream);
  assert.deepEqual(messages, msgs);
  assert.equal(rest.length, 0);
});
