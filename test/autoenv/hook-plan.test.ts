// The hook's step as a table: environment + remembered state + the folder's app in; changes,
// the next state and the lines printed out. No I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppCheck, type EnvChange, planHook } from '../../src/autoenv/hook-plan.js';
import { baseEnv, formatHookState, type HookState, parseHookState } from '../../src/autoenv/hook-state.js';

const OPTS = { expand: true, lenient: false };
const allowed = (root: string, text: string, sha256 = 'h1'): AppCheck => ({ type: 'allowed', root, files: [{ name: '.env', sha256, text }] });
const blocked = (root: string, sha256 = 'h1'): AppCheck => ({ type: 'blocked', root, files: [{ name: '.env', sha256 }], blocked: ['.env'] });
const NONE: AppCheck = { type: 'none' };

/** Applies changes to an environment, as the shell would. */
function apply(env: Record<string, string | undefined>, changes: EnvChange[]): Record<string, string | undefined> {
  const next = { ...env };
  for (const c of changes) {
    if (c.type === 'set') next[c.key] = c.value;
    else delete next[c.key];
  }
  return next;
}

/** Runs steps one after another, as prompts do, carrying the environment and the state. */
function steps(start: Record<string, string | undefined>, checks: AppCheck[]) {
  let env = start;
  let state: HookState = { saved: {} };
  return checks.map((check) => {
    const plan = planHook(env, state, check, OPTS);
    env = apply(env, plan.changes);
    state = parseHookState(formatHookState(plan.state));
    return { env, state, messages: plan.messages };
  });
}

describe('planHook', () => {
  it('loads an allowed app over the shell and restores exactly on leaving (set, empty and unset)', () => {
    const start = { HOME: '/h', KEPT: 'shell', EMPTY: '' };
    const [inApp, out] = steps(start, [allowed('/a', 'KEPT=file\nEMPTY=x\nNEW=$HOME/n\n'), NONE]);
    assert.deepEqual(inApp!.env, { HOME: '/h', KEPT: 'file', EMPTY: 'x', NEW: '/h/n' });
    assert.deepEqual(inApp!.state.saved, { KEPT: 'shell', EMPTY: '', NEW: null });
    assert.deepEqual(inApp!.messages, ['loaded .env in /a: KEPT, EMPTY, NEW']);
    assert.deepEqual(out!.env, start);
    assert.deepEqual(out!.messages, ['unloaded .env in /a']);
    assert.equal(formatHookState(out!.state), undefined);
  });

  it('switching from A to B unloads A first: B sees the original values, and leaving B restores them', () => {
    const start = { X: 'orig' };
    const [a, b, out] = steps(start, [allowed('/a', 'X=a\nA=1\n'), allowed('/b', 'X=b-${X}\nB=2\n', 'h2'), NONE]);
    assert.deepEqual(a!.env, { X: 'a', A: '1' });
    assert.deepEqual(b!.env, { X: 'b-orig', B: '2' });
    assert.deepEqual(b!.messages, ['unloaded .env in /a', 'loaded .env in /b: X, B']);
    assert.deepEqual(out!.env, start);
  });

  it('a blocked app prints its line once per change, and unloads what was loaded', () => {
    const results = steps({}, [blocked('/a'), blocked('/a'), blocked('/a', 'h2'), allowed('/a', 'K=1\n', 'h2'), blocked('/a', 'h3'), NONE, blocked('/a', 'h3')]);
    const line = '.env in /a is blocked: run "dozen allow" to load it';
    assert.deepEqual(
      results.map((r) => r.messages),
      [[line], [], [line], ['loaded .env in /a: K'], ['unloaded .env in /a', line], [], [line]],
    );
    assert.deepEqual(results[4]!.env, {});
  });

  it('the same app with new content reloads, saying so once', () => {
    const [, second, third] = steps({}, [allowed('/a', 'K=1\n'), allowed('/a', 'K=2\nL=3\n', 'h2'), allowed('/a', 'K=2\nL=3\n', 'h2')]);
    assert.deepEqual(second!.env, { K: '2', L: '3' });
    assert.deepEqual(second!.messages, ['reloaded .env in /a: K, L']);
    assert.deepEqual(third!.messages, []);
  });

  it('an env file with an error loads nothing and says where, once', () => {
    const results = steps({ K: 'shell' }, [allowed('/a', 'K=1\n'), allowed('/a', 'K=2\nbad line\n', 'h2'), allowed('/a', 'K=2\nbad line\n', 'h2')]);
    assert.deepEqual(results[1]!.env, { K: 'shell' });
    assert.deepEqual(results[1]!.messages, ['unloaded .env in /a', '/a/.env:2: expected NAME=value, got a line with no "=" (nothing loaded)']);
    assert.deepEqual(results[2]!.messages, []);
  });

  it('never sets the shell\'s own variables, the hook\'s state or names a shell cannot hold', () => {
    const [r] = steps({ PWD: '/a' }, [allowed('/a', 'PWD=/x\nDOZEN_HOOK=x\na.b=1\nOK=1\n')]);
    assert.deepEqual(r!.env, { PWD: '/a', OK: '1' });
    assert.deepEqual(r!.messages.slice(1), [
      '/a/.env:1: PWD belongs to the shell; not loaded',
      '/a/.env:2: DOZEN_HOOK belongs to the shell; not loaded',
      '/a/.env:3: a.b is not a valid shell variable name; not loaded',
    ]);
  });
});

describe('hook state', () => {
  it('a damaged or foreign DOZEN_HOOK counts as empty', () => {
    for (const text of [undefined, '', '{', '[]', 'null', '"x"']) assert.deepEqual(parseHookState(text), { saved: {} });
    assert.deepEqual(parseHookState('{"saved":{"A":1,"B":null,"C":"c"},"root":3}'), { saved: { B: null, C: 'c' } });
  });

  it('the base environment puts the saved values back and drops the state itself', () => {
    assert.deepEqual(baseEnv({ A: 'loaded', B: 'loaded', C: 'c', DOZEN_HOOK: '{}' }, { saved: { A: 'before', B: null } }), { A: 'before', C: 'c' });
  });
});
