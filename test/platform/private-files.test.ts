// private-files: what dozen accepts as a folder or file of its user, on real files and links.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync, chmodSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { DozenError, ExitCode } from '../../src/errors.js';
import { ensurePrivateFile, openPrivate, readPrivateFile, refuseLink, untrustedFolder } from '../../src/platform/private-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dozen-private-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function refusedWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof DozenError && err.exitCode === ExitCode.noPermission && pattern.test(err.oneLine()));
}

test('files: created 0600, appended, read; a link is refused for every use and its target left alone', { timeout: 5_000 }, () => {
  const file = join(dir, 'f');
  const fd = openPrivate(file, 'append');
  writeSync(fd, 'one\n');
  closeSync(fd);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readPrivateFile(file), 'one\n');
  chmodSync(file, 0o644);
  ensurePrivateFile(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  const target = join(dir, 'target');
  writeFileSync(target, 'theirs\n', { mode: 0o644 });
  const link = join(dir, 'link');
  symlinkSync(target, link);
  for (const how of ['read', 'read-write', 'append'] as const) refusedWith(() => openPrivate(link, how), /link is a symbolic link; .* Remove the link \(rm /);
  refusedWith(() => ensurePrivateFile(link), /symbolic link/);
  refusedWith(() => refuseLink(link), /symbolic link/);
  // A dangling link is refused too: it would create the file it names.
  const dangling = join(dir, 'dangling');
  symlinkSync(join(dir, 'nowhere'), dangling);
  refusedWith(() => openPrivate(dangling, 'append'), /symbolic link/);
  assert.throws(() => lstatSync(join(dir, 'nowhere')));
  assert.equal(readFileSync(target, 'utf8'), 'theirs\n');
  assert.equal(statSync(target).mode & 0o777, 0o644);
  mkdirSync(join(dir, 'sub'));
  refusedWith(() => refuseLink(join(dir, 'sub')), /is not a regular file/);
  refuseLink(join(dir, 'missing')); // nothing there: fine
  assert.throws(() => readPrivateFile(join(dir, 'missing')), { code: 'ENOENT' });
});

test('folders: a link, a file, another owner, or write access for others are each refused with their fix', { timeout: 5_000 }, () => {
  const uid = process.getuid?.() ?? 0;
  const folder = join(dir, 'state');
  mkdirSync(folder, { mode: 0o700 });
  const check = (path: string, asUid = uid) => untrustedFolder(path, lstatSync(path), 'state folder', asUid)?.oneLine();
  assert.equal(check(folder), undefined);
  chmodSync(folder, 0o755);
  assert.equal(check(folder), undefined, 'readable by others: tightened by the caller, not refused');
  chmodSync(folder, 0o775);
  assert.match(check(folder) ?? '', /writable by other users \(mode 0775\).*chmod 700/);
  chmodSync(folder, 0o700);
  assert.match(check(folder, uid + 1) ?? '', new RegExp(`belongs to uid ${uid}, not to you \\(uid ${uid + 1}\\).*chown -R ${uid + 1}`));
  const link = join(dir, 'link');
  symlinkSync(folder, link);
  assert.match(check(link) ?? '', /is a symbolic link; .*rm /);
  writeFileSync(join(dir, 'file'), '');
  assert.match(check(join(dir, 'file')) ?? '', /is not a folder/);
});
