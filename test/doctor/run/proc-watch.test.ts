// The doctor's /proc readers and file snapshots: parsers as tables, and a real marked process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { parseListenInodes } from '../../../src/doctor/run/listen-sockets.js';
import { markedProcesses, markerIn, openedForWriting, parseStatFields, ProcWatch, pythonArgsUnbuffered, pythonBuffered } from '../../../src/doctor/run/proc-watch.js';
import { differingKeys, runEnvArgs } from '../../../src/doctor/run/run-config.js';
import { diffTrees, isSkippedPath, snapshotTree } from '../../../src/doctor/run/tree-snapshot.js';

test('stat fields after the last parenthesis, whatever the command name holds', () => {
  assert.deepEqual(parseStatFields('123 (a) b) c) S 1 120 110 0 -1'), { state: 'S', ppid: 1, pgid: 120, sid: 110 });
  assert.equal(parseStatFields('garbage'), undefined);
});

test('the marker: only this token, the instance after it', () => {
  assert.equal(markerIn('A=1\0DOZEN_DOCTOR_RUN=abc/web.1\0B=2\0', 'abc'), 'web.1');
  assert.equal(markerIn('DOZEN_DOCTOR_RUN=other/web.1\0', 'abc'), undefined);
  assert.equal(markerIn('', 'abc'), undefined);
});

test('python -u anywhere among the interpreter options, not after the script', () => {
  const table: Array<[string[], boolean]> = [
    [['python3', '-u', 'app.py'], true],
    [['python3', '-Bu', 'app.py'], true],
    [['python3', '-X', 'dev', '-u', 'app.py'], true],
    [['python3', '-Xdev', 'app.py'], false],
    [['python3', 'app.py', '-u'], false],
    [['python3', '-m', 'http.server', '-u'], false],
    [['python3', '-c', 'print(1)', '-u'], false],
    [['python3'], false],
  ];
  for (const [argv, unbuffered] of table) assert.equal(pythonArgsUnbuffered(argv), unbuffered, argv.join(' '));
  assert.equal(pythonBuffered(['python3', 'a.py'], new Map([['PYTHONUNBUFFERED', '1']])), false);
  assert.equal(pythonBuffered(['python3', 'a.py'], new Map([['PYTHONUNBUFFERED', '']])), true);
});

test('fdinfo flags: write-only and read-write count, read-only does not', () => {
  assert.equal(openedForWriting('pos:\t0\nflags:\t0102001\nmnt_id:\t30\n'), true);
  assert.equal(openedForWriting('pos:\t0\nflags:\t02\n'), true);
  assert.equal(openedForWriting('pos:\t0\nflags:\t0100000\n'), false);
});

test('LISTEN sockets of /proc/net/tcp by inode, any local address', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0',
    '   1: 0500000A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 100 0 0 10 0',
    '   2: 0100007F:1F91 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000 20 4 30 10 -1',
  ].join('\n');
  assert.deepEqual([...parseListenInodes(text)], [['4242', 8080], ['4343', 80]]);
});

test('a real marked process: found by its marker, with the file it holds open for writing and its group', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-procwatch-'));
  const file = join(dir, 'out.log');
  const child = spawn('/bin/sh', ['-c', `exec 3>>'${file}'; echo ready; exec sleep 30 3>&3`], {
    env: { ...process.env, DOZEN_DOCTOR_RUN: 'tok-test/worker.1' },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  try {
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const watch = new ProcWatch('tok-test');
    const live = watch.sample();
    assert.deepEqual(live.map((p) => [p.pid, p.pgid, p.instance]), [[child.pid, child.pid, 'worker.1']]);
    assert.deepEqual([...watch.of('worker.1').writes], [file]);
    assert.equal(markedProcesses('other-token').length, 0);
  } finally {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tree snapshot: created, changed and deleted files; caches and .git left out', () => {
  const root = mkdtempSync(join(tmpdir(), 'dozen-snapshot-'));
  try {
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    writeFileSync(join(root, 'keep.txt'), 'a');
    writeFileSync(join(root, 'change.txt'), 'a');
    writeFileSync(join(root, 'gone.txt'), 'a');
    const before = snapshotTree(root);
    writeFileSync(join(root, 'change.txt'), 'ab');
    rmSync(join(root, 'gone.txt'));
    writeFileSync(join(root, 'new.txt'), 'a');
    writeFileSync(join(root, '.git/index'), 'x');
    writeFileSync(join(root, 'node_modules/.cache/x'), 'x');
    mkdirSync(join(root, '__pycache__'));
    writeFileSync(join(root, '__pycache__/m.cpython-311.pyc'), 'x');
    assert.deepEqual(diffTrees(before, snapshotTree(root)), { changed: ['change.txt', 'gone.txt', 'new.txt'], created: ['new.txt'] });
    assert.deepEqual(['a.pyc', 'x/__pycache__/y', 'node_modules/.cache/z', 'node_modules/pkg/index.js', '.dozen/logs.db'].map(isSkippedPath), [true, true, true, false, true]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('dozen run: its arguments, and the keys that differ (per-instance variables left out)', () => {
  const facts = { root: '/app', procfile: { path: 'Procfile', entries: [] }, envFiles: [{ path: '.env', entries: [] }, { path: '.env.local', entries: [] }], config: {}, files: [] };
  assert.deepEqual(runEnvArgs(facts), ['run', '-d', '/app', '-f', '/app/Procfile', '-e', '.env,.env.local', 'env -0']);
  const config = { A: '1', B: '2', C: '3', PORT: '5000' };
  const instance = new Map([['A', '1'], ['B', '2'], ['C', '3'], ['PORT', '41234']]);
  const run = new Map([['A', '1'], ['B', 'other']]);
  assert.deepEqual(differingKeys(config, instance, run), ['B', 'C']);
});
