// The lock file: held while the function runs, waited for while a live process holds it, taken
// over from a dead one.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { DozenError, ExitCode } from '../../src/errors.js';
import { withFileLock } from '../../src/platform/file-lock.js';

let dir: string;
let lock: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dozen-lock-'));
  lock = join(dir, 'x.lock');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('holds the lock (owner pid inside) while the function runs, then removes it', () => {
  const seen = withFileLock(lock, () => readFileSync(lock, 'utf8'), { what: 'x' });
  assert.match(seen, new RegExp(`^${process.pid} [0-9a-f]{16}\\n$`));
  assert.deepEqual(readdirSync(dir), []);
});

it('lets go when the function throws', () => {
  assert.throws(() => withFileLock(lock, () => {
    throw new Error('boom');
  }, { what: 'x' }), /boom/);
  assert.deepEqual(readdirSync(dir), []);
});

it('a live owner that keeps the lock: a one-line error naming its pid and the file', () => {
  writeFileSync(lock, '4242 feedfacefeedface\n');
  const started = Date.now();
  assert.throws(
    () => withFileLock(lock, () => assert.fail('ran without the lock'), { what: 'the thing', timeoutMs: 150, isAlive: () => true }),
    (err: unknown) => {
      assert.ok(err instanceof DozenError);
      assert.equal(err.exitCode, ExitCode.failure);
      assert.equal(err.message, `the thing is locked by pid 4242 (${lock}), still after 0.15 s`);
      return true;
    },
  );
  assert.ok(Date.now() - started >= 150);
  assert.equal(readFileSync(lock, 'utf8'), '4242 feedfacefeedface\n');
});

it('a dead owner\'s lock (and its leftover temp file) is taken over', () => {
  writeFileSync(lock, '4242 feedfacefeedface\n');
  writeFileSync(`${lock}.4242.0a0b0c0d`, '4242 feedfacefeedface\n');
  const ran = withFileLock(lock, () => true, { what: 'x', isAlive: (pid) => pid !== 4242 });
  assert.equal(ran, true);
  assert.deepEqual(readdirSync(dir), []);
});

it('a lock holding no pid is taken over', () => {
  writeFileSync(lock, 'garbage');
  assert.equal(withFileLock(lock, () => 1, { what: 'x', isAlive: () => true }), 1);
  assert.equal(existsSync(lock), false);
});

it('does not remove a lock that another process took over meanwhile', () => {
  withFileLock(lock, () => writeFileSync(lock, '99 someone-else\n'), { what: 'x' });
  assert.equal(readFileSync(lock, 'utf8'), '99 someone-else\n');
});
