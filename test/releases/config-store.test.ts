// The config store: set/unset/read, key rules, the file (0600, atomic, damaged), and concurrent
// writers from separate processes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DozenError, ExitCode } from '../../src/errors.js';
import { ensureStateDir } from '../../src/platform/state-dir.js';
import { configStore, parseConfigAssignments } from '../../src/releases/config-store.js';
import { killAllStarted, runCli, startCli, startProgram } from '../cli/helpers.js';

const SECRET = 's3cr3t-value-never-shown';

let root: string;
let stateDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dozen-config-'));
  stateDir = ensureStateDir(root, {});
});

afterEach(() => {
  killAllStarted();
  rmSync(root, { recursive: true, force: true });
});

/** Runs `fn`, which must throw a DozenError; returns it. */
function dozenError(fn: () => unknown): DozenError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DozenError, `expected a DozenError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('configStore', () => {
  it('is empty before anything is set, and makes no file for reading', () => {
    const store = configStore(stateDir);
    assert.equal(store.path, join(stateDir, 'config.json'));
    assert.deepEqual(store.read(), {});
    assert.deepEqual(readdirSync(stateDir), []);
  });

  it('set and unset return the new full config, sorted by key', () => {
    const store = configStore(stateDir);
    assert.deepEqual(store.set({ B: '2', A: '1' }), { A: '1', B: '2' });
    assert.deepEqual(Object.keys(store.set({ C: '3', A: 'one' })), ['A', 'B', 'C']);
    assert.deepEqual(store.read(), { A: 'one', B: '2', C: '3' });
    assert.deepEqual(store.unset(['B', 'NOPE', 'B']), { config: { A: 'one', C: '3' }, removed: ['B'] });
    assert.deepEqual(store.unset(['NOPE']), { config: { A: 'one', C: '3' }, removed: [] });
    assert.deepEqual(configStore(stateDir).read(), { A: 'one', C: '3' });
  });

  it('keeps values exactly: empty, "=", quotes, newlines, unicode', () => {
    const values = { EMPTY: '', EQ: 'a=b=c', Q: `it's "q" \\ $HOME`, NL: 'line1\nline2\r\n', UNI: 'héllo ✓ 日本' };
    configStore(stateDir).set(values);
    assert.deepEqual(configStore(stateDir).read(), values);
  });

  it('keeps `__proto__` as a key like any other', () => {
    const store = configStore(stateDir);
    store.set(Object.fromEntries([['__proto__', 'x']]));
    const read = store.read();
    assert.ok(Object.prototype.hasOwnProperty.call(read, '__proto__'));
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
    assert.deepEqual(store.unset(['__proto__']).removed, ['__proto__']);
  });

  it('refuses keys that are not environment variable names, changing nothing', () => {
    const store = configStore(stateDir);
    store.set({ A: '1' });
    for (const key of ['1A', 'a.b', 'a-b', '', 'A B', 'É']) {
      const err = dozenError(() => store.set({ OK: '1', [key]: SECRET }));
      assert.equal(err.code, 'usage');
      assert.ok(!err.message.includes(SECRET));
      assert.equal(dozenError(() => store.unset([key])).code, 'usage');
    }
    assert.deepEqual(store.read(), { A: '1' });
  });

  it('writes {version: 1, config} with mode 0600 in the 0700 state folder', () => {
    configStore(stateDir).set({ A: '1' });
    const file = join(stateDir, 'config.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { version: 1, config: { A: '1' } });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    // Nothing else is left behind: no temp file, no lock.
    assert.deepEqual(readdirSync(stateDir), ['config.json']);
  });

  it('a crash between the temp write and the rename leaves the old config', () => {
    const store = configStore(stateDir);
    store.set({ A: 'old' });
    // What writeFileAtomic leaves when killed before its rename: a complete temp file beside it.
    writeFileSync(join(stateDir, '.0123456789ab.dozen-tmp'), JSON.stringify({ version: 1, config: { A: 'new' } }), { mode: 0o600 });
    writeFileSync(join(stateDir, '.ba9876543210.dozen-tmp'), '{"version": 1, "con', { mode: 0o600 });
    assert.deepEqual(store.read(), { A: 'old' });
    assert.deepEqual(store.set({ B: '2' }), { A: 'old', B: '2' });
  });

  describe('a damaged file is one line naming the file, never a value', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['not JSON', `{"version": 1, "config": {"A": ${SECRET}}}`, /damaged config store: it is not valid JSON/],
      ['empty', '', /it is not valid JSON/],
      ['an array', `["${SECRET}"]`, /expected \{"version": 1, "config": \{\.\.\.\}\}/],
      ['no config', `{"version": 1, "values": {"A": "${SECRET}"}}`, /expected \{"version": 1/],
      ['an old version', `{"version": 0, "config": {"A": "${SECRET}"}}`, /expected "version": 1/],
      ['a value that is not a string', `{"version": 1, "config": {"A": ["${SECRET}"]}}`, /the value of A is not a string/],
      ['a bad key', `{"version": 1, "config": {"a.b": "${SECRET}"}}`, /"a\.b" is not a config key/],
      ['a newer format', `{"version": 2, "config": {"A": "${SECRET}"}}`, /written by a newer dozen \(format version 2\)/],
    ];
    for (const [name, text, expected] of cases) {
      it(name, () => {
        const file = join(stateDir, 'config.json');
        writeFileSync(file, text, { mode: 0o600 });
        for (const fn of [() => configStore(stateDir).read(), () => configStore(stateDir).set({ B: '1' }), () => configStore(stateDir).unset(['A'])]) {
          const err = dozenError(fn);
          assert.equal(err.code, 'config');
          assert.equal(err.exitCode, ExitCode.config);
          const line = err.oneLine();
          assert.match(line, expected);
          assert.ok(line.startsWith(`${file}: `), line);
          assert.ok(!line.includes(SECRET), line);
          assert.ok(!line.includes('\n'));
        }
        // Left as it was, for the user to look at.
        assert.equal(readFileSync(file, 'utf8'), text);
      });
    }
  });
});

describe('parseConfigAssignments', () => {
  it('splits at the first "=", keeps empty values, a later key wins', () => {
    assert.deepEqual(parseConfigAssignments(['A=1', 'B=x=y', 'C=', 'D= spaced ', 'A=2']), { A: '2', B: 'x=y', C: '', D: ' spaced ' });
    assert.deepEqual(parseConfigAssignments([]), {});
  });

  it('a bad argument is a one-line usage error naming its position, not its value', () => {
    const cases: Array<[string[], RegExp]> = [
      [['A=1', SECRET], /^argument 2: expected KEY=VALUE, got a word with no "="$/],
      [[`=${SECRET}`], /^argument 1: expected KEY=VALUE with a KEY of letters, digits and "_", not starting with a digit, got "="\.\.\.$/],
      [[`1A=${SECRET}`], /^argument 1: .*got "1A="\.\.\.$/],
      [[`a.b=${SECRET}`], /^argument 1: .*got "a\.b="\.\.\.$/],
      // Mostly value: a URL typed with a blank for the "=" is not echoed at all.
      [[`URL postgres://u:${SECRET}@h/db?a=b`], /^argument 1: expected KEY=VALUE with a KEY of letters, digits and "_", not starting with a digit$/],
    ];
    for (const [args, expected] of cases) {
      const err = dozenError(() => parseConfigAssignments(args));
      assert.equal(err.code, 'usage');
      assert.match(err.oneLine(), expected);
      assert.ok(!err.oneLine().includes(SECRET));
    }
  });
});

describe('concurrent writers', () => {
  it('two `dozen config set` at once, many times over, lose no key', { timeout: 120_000 }, async () => {
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.all(
        ['A', 'B'].map((side) => runCli(['config', 'set', '-d', root, `K${round}_${side}=${round}${side}`])),
      );
      for (const r of results) assert.equal(r.code, 0, r.stderr);
    }
    const config = configStore(stateDir).read();
    assert.equal(Object.keys(config).length, rounds * 2);
    for (let round = 0; round < rounds; round++) {
      assert.equal(config[`K${round}_A`], `${round}A`);
      assert.equal(config[`K${round}_B`], `${round}B`);
    }
    assert.deepEqual(readdirSync(stateDir).sort(), ['config.json']);
  });

  it('a writer waits while a live process holds the lock, and takes it over once that one died', { timeout: 60_000 }, async () => {
    const holder = startProgram('sleep', ['60']);
    writeFileSync(join(stateDir, 'config.lock'), `${holder.pid} 0123456789abcdef\n`, { mode: 0o600 });
    const writer = startCli(['config', 'set', '-d', root, 'A=1']);
    let done = false;
    void writer.exited().then(() => (done = true), () => undefined);
    await sleep(700);
    assert.equal(done, false, 'the writer did not wait for the lock');
    assert.deepEqual(configStore(stateDir).read(), {});
    holder.signal('SIGKILL');
    const r = await writer.exited();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(configStore(stateDir).read(), { A: '1' });
    assert.deepEqual(readdirSync(stateDir), ['config.json']);
  });

  it('six at once, one key each, lose none', { timeout: 60_000 }, async () => {
    const keys = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'];
    const results = await Promise.all(keys.map((key) => runCli(['config', 'set', '-d', root, `${key}=${key.toLowerCase()}`])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(configStore(stateDir).read()), keys);
  });
});
