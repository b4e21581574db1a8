// The dashboard's access rules, as a table: the token's comparison, where a request carries it,
// and which POSTs count as the dashboard's own.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import test from 'node:test';
import { newToken, ownHosts, presentedToken, sameOrigin, tokenCookie, tokenMatches } from '../../src/dashboard/access.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('tokens: 256 random bits, matched exactly', () => {
  const token = newToken();
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.notEqual(newToken(), token);
  assert.equal(tokenMatches(token, token), true);
  for (const other of [undefined, '', token.slice(1), `${token}x`, token.toUpperCase()]) assert.equal(tokenMatches(token, other), false, String(other));
});

test('the token comes from the query, else the cookie', () => {
  const url = (q: string) => new URL(`http://x/${q}`);
  assert.equal(presentedToken(req({}), url('?token=abc')), 'abc');
  assert.equal(presentedToken(req({ cookie: 'a=1; dozen_dashboard=xyz=; b=2' }), url('')), 'xyz=');
  assert.equal(presentedToken(req({ cookie: 'other=1' }), url('')), undefined);
  assert.match(tokenCookie('t'), /^dozen_dashboard=t; HttpOnly; SameSite=Strict; Path=\/$/);
});

test("a POST is the dashboard's own only with its Host and the Origin of that Host", () => {
  const local = ownHosts('127.0.0.1', 8000);
  const cases: Array<[Record<string, string>, boolean]> = [
    [{ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000' }, true],
    [{ host: 'localhost:8000', origin: 'http://localhost:8000' }, true],
    [{ host: '127.0.0.1:8000' }, false],
    [{ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8001' }, false],
    [{ host: '127.0.0.1:8000', origin: 'null' }, false],
    [{ host: 'evil.example:8000', origin: 'http://evil.example:8000' }, false],
    [{ origin: 'http://127.0.0.1:8000' }, false],
  ];
  for (const [headers, ok] of cases) assert.equal(sameOrigin(req(headers), local), ok, JSON.stringify(headers));
  // On every address any Host will do, but the Origin must be that Host's.
  const any = ownHosts('0.0.0.0', 8000);
  assert.equal(sameOrigin(req({ host: 'box.lan:8000', origin: 'http://box.lan:8000' }), any), true);
  assert.equal(sameOrigin(req({ host: 'box.lan:8000', origin: 'http://evil.example' }), any), false);
});
