import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefixLines } from '../../src/logs/prefix-lines.js';

const H = Buffer.from('web | ');
const C = Buffer.from('web + ');

test('prefixLines: table', () => {
  const cases: Array<{ data: string; first?: Buffer; want: string }> = [
    { data: 'a\n', want: 'web | a\n' },
    { data: 'a\nbb\nccc\n', want: 'web | a\nweb | bb\nweb | ccc\n' },
    { data: '\n\n', want: 'web | \nweb | \n' },
    { data: 'a\r\nb\r\n', want: 'web | a\r\nweb | b\r\n' },
    { data: 'no newline', want: 'web | no newline' },
    { data: 'a\nlast', want: 'web | a\nweb | last' },
    { data: 'rest of line\nnext\n', first: C, want: 'web + rest of line\nweb | next\n' },
    { data: 'only\n', first: C, want: 'web + only\n' },
    { data: 'x\ny\nz\n', first: Buffer.from('a much longer first head > '), want: 'a much longer first head > x\nweb | y\nweb | z\n' },
    { data: 'é😀\n€\n', want: 'web | é😀\nweb | €\n' },
  ];
  for (const c of cases) {
    assert.equal(prefixLines(Buffer.from(c.data), H, c.first).toString(), c.want, JSON.stringify(c.data));
  }
});

test('prefixLines: empty data gives empty output', () => {
  assert.equal(prefixLines(Buffer.alloc(0), H).length, 0);
});

test('prefixLines: a head longer than the lines, and an empty head', () => {
  const long = Buffer.from('0123456789012345678901234567890123456789 ');
  assert.equal(prefixLines(Buffer.from('a\nb\n'), long).toString(), `${long}a\n${long}b\n`);
  assert.equal(prefixLines(Buffer.from('a\nb\n'), Buffer.alloc(0)).toString(), 'a\nb\n');
});

test('prefixLines: more lines than the scratch array holds at first (it grows), bytes exact', () => {
  const lines: string[] = [];
  for (let i = 0; i < 50_000; i++) lines.push(`${i}${i % 7 === 0 ? ' ü' : ''}\n`);
  const got = prefixLines(Buffer.from(lines.join('')), H).toString();
  assert.equal(got, lines.map((l) => `web | ${l}`).join(''));
});

test('prefixLines: does not modify its input', () => {
  const data = Buffer.from('a\nb\n');
  const copy = Buffer.from(data);
  prefixLines(data, H, C);
  assert.deepEqual(data, copy);
});
