// Run with `node --test dist/bench/` (not part of npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrk } from './router-procs.js';

const OUTPUT = `Running 1s test @ http://127.0.0.1:41001/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   208.20us  543.71us  10.22ms   92.90%
    Req/Sec    53.39k    17.51k   74.73k    72.73%
  Latency Distribution
     50%   50.00us
     75%  101.00us
     90%  514.00us
     99%    2.46ms
  58306 requests in 1.10s, 13.90MB read
Requests/sec:  53027.10
Transfer/sec:     12.64MB
0m0.000000s 0m0.000000s
0m0.070000s 0m0.280000s
`;

test("wrk's requests/sec, latency percentiles in any unit, and its CPU time from `times`", () => {
  const r = parseWrk(OUTPUT);
  assert.equal(r.rps, 53027.1);
  assert.equal(r.p50Ms, 0.05);
  assert.equal(r.p99Ms, 2.46);
  assert.equal(r.errors, 0);
  assert.equal(Math.round(r.cpuMs), 350);
});

test('non-2xx answers and socket errors count as errors', () => {
  const r = parseWrk(OUTPUT.replace('Requests/sec', '  Socket errors: connect 0, read 2, write 1, timeout 3\n  Non-2xx or 3xx responses: 4\nRequests/sec'));
  assert.equal(r.errors, 10);
});

test('an output without a latency distribution is an error naming what is missing', () => {
  assert.throws(() => parseWrk('Requests/sec: 1.0\n'), /wrk printed no 50% latency/);
});
