import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION, ServerLine, StatusResult, encodeLine, parseRequestLine } from '../../src/control/protocol.js';

const valid: Array<[string, object]> = [
  ['hello', { v: 1, id: 0, method: 'hello' }],
  ['status without params', { v: 1, id: 1, method: 'status' }],
  ['status with a CPU sample', { v: 1, id: 2, method: 'status', params: { cpuSampleMs: 0 } }],
  ['restart of everything', { v: 1, id: 3, method: 'restart', params: { patterns: [] } }],
  ['restart of a glob', { v: 1, id: 4, method: 'restart', params: { patterns: ['web.*'] } }],
  ['stop', { v: 1, id: 5, method: 'stop', params: { patterns: ['web', 'worker.2'] } }],
  ['scale', { v: 1, id: 6, method: 'scale', params: { formation: 'web=3,worker=0' } }],
  ['quit', { v: 1, id: 7, method: 'quit' }],
  ['subscribe', { v: 1, id: 8, method: 'subscribe' }],
];

for (const [name, request] of valid) {
  test(`a valid request is accepted as is: ${name}`, () => {
    const parsed = parseRequestLine(JSON.stringify(request));
    assert.equal(parsed.ok, true, JSON.stringify(parsed));
    if (parsed.ok) assert.deepEqual(parsed.request, request);
  });
}

const invalid: Array<[string, string, { id: number | null; code: string; message: RegExp }]> = [
  ['not JSON', '{"v":1,', { id: null, code: 'bad-request', message: /not a JSON line/ }],
  ['a JSON array', '[1,2]', { id: null, code: 'bad-request', message: /expected \{v, id, method\}/ }],
  ['no id', '{"v":1,"method":"hello"}', { id: null, code: 'bad-request', message: /id/ }],
  ['a negative id', '{"v":1,"id":-1,"method":"hello"}', { id: null, code: 'bad-request', message: /id/ }],
  ['a future version', '{"v":2,"id":3,"method":"hello"}', { id: 3, code: 'version', message: /version 2 is not supported \(this dozen speaks 1\)/ }],
  ['an unknown method', '{"v":1,"id":4,"method":"reboot"}', { id: 4, code: 'bad-request', message: /unknown method "reboot" \(expected one of hello, status/ }],
  ['stop without patterns', '{"v":1,"id":5,"method":"stop","params":{"patterns":[]}}', { id: 5, code: 'bad-request', message: /bad stop request: params\.patterns/ }],
  ['restart without params', '{"v":1,"id":6,"method":"restart"}', { id: 6, code: 'bad-request', message: /bad restart request: params/ }],
  ['a pattern that is not a string', '{"v":1,"id":7,"method":"restart","params":{"patterns":[3]}}', { id: 7, code: 'bad-request', message: /params\.patterns\.0/ }],
  ['an empty formation', '{"v":1,"id":8,"method":"scale","params":{"formation":""}}', { id: 8, code: 'bad-request', message: /params\.formation/ }],
  ['a CPU sample out of range', '{"v":1,"id":9,"method":"status","params":{"cpuSampleMs":999999}}', { id: 9, code: 'bad-request', message: /cpuSampleMs/ }],
];

for (const [name, line, expected] of invalid) {
  test(`a bad request is refused as data: ${name}`, () => {
    const parsed = parseRequestLine(line);
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.equal(parsed.id, expected.id);
    assert.equal(parsed.error.code, expected.code);
    assert.match(parsed.error.message, expected.message);
  });
}

test('encodeLine writes one JSON object and one newline, whatever the text holds', () => {
  const line = encodeLine({ v: PROTOCOL_VERSION, id: 1, event: { type: 'output', at: 1, data: 'a\nb\n' } });
  assert.equal(line.split('\n').length, 2);
  assert.ok(line.endsWith('\n'));
  assert.deepEqual(JSON.parse(line), { v: 1, id: 1, event: { type: 'output', at: 1, data: 'a\nb\n' } });
});

test('server lines: results, errors (with or without an id) and events are recognised; others are not', () => {
  assert.ok(ServerLine.safeParse({ v: 1, id: 1, ok: true, result: { pid: 3 } }).success);
  assert.ok(ServerLine.safeParse({ v: 1, id: null, ok: false, error: { code: 'bad-request', message: 'x' } }).success);
  assert.ok(ServerLine.safeParse({ v: 1, id: 2, event: { type: 'ready', at: 5, instance: 'web.1', port: 5000 } }).success);
  assert.equal(ServerLine.safeParse({ v: 1, id: 1, ok: false, error: { code: 'oops', message: 'x' } }).success, false);
  assert.equal(ServerLine.safeParse({ v: 2, id: 1, ok: true, result: {} }).success, false);
});

test('a status result keeps nulls for what a stopped instance does not have', () => {
  const result = {
    server: { pid: 1, version: '0.1.0', protocol: 1, stateDir: '/x/.dozen', startedAt: 0, phase: 'running' },
    instances: [
      {
        name: 'web.1', type: 'web', index: 1, state: 'stopped', pid: null, port: 5000, ready: false, startedAt: null,
        uptimeMs: null, restarts: 2, lastExit: { reason: 'signal', signal: 'SIGTERM' }, cpuPercent: null, rssBytes: null, processes: 0,
      },
    ],
  };
  assert.deepEqual(StatusResult.parse(result), result);
  assert.equal(StatusResult.safeParse({ ...result, instances: [{ ...result.instances[0], pid: 'x' }] }).success, false);
});
