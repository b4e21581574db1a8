import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOffset, formatTimestamp, parseTimestampFormat } from '../../src/logs/timestamp.js';

/** Run with the process in another time zone (Node re-reads TZ when it is assigned). */
function inZone<T>(tz: string, fn: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

const AT = Date.UTC(2026, 10, 28, 18, 53, 7, 45); // 2026-11-28T18:53:07.045Z

test('time format is local HH:MM:SS', () => {
  assert.equal(inZone('UTC', () => formatTimestamp(AT, 'time')), '18:53:07');
  assert.equal(inZone('Asia/Kolkata', () => formatTimestamp(AT, 'time')), '00:23:07');
});

test('iso format is RFC 3339 with milliseconds and the local offset, Z at UTC', () => {
  assert.equal(inZone('UTC', () => formatTimestamp(AT, 'iso')), '2026-11-28T18:53:07.045Z');
  assert.equal(inZone('Asia/Kolkata', () => formatTimestamp(AT, 'iso')), '2026-11-29T00:23:07.045+05:30');
  assert.equal(inZone('America/New_York', () => formatTimestamp(AT, 'iso')), '2026-11-28T13:53:07.045-05:00');
});

test('formatOffset: table', () => {
  assert.equal(formatOffset(0), 'Z');
  assert.equal(formatOffset(60), '+01:00');
  assert.equal(formatOffset(-210), '-03:30');
  assert.equal(formatOffset(345), '+05:45');
});

test('parseTimestampFormat accepts time and iso, names the valid values otherwise', () => {
  assert.equal(parseTimestampFormat('iso'), 'iso');
  assert.equal(parseTimestampFormat('time'), 'time');
  assert.throws(() => parseTimestampFormat('unix'), /expected one of time, iso, got "unix"/);
});
