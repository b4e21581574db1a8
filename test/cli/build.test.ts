// `dozen build` end to end: the built CLI on temporary git repositories. Its progress, --json, a
// failure's exit code, the lines in the log store, and a SIGKILL in the middle of a build.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listBuilds } from '../../src/releases/build.js';
import { buildsDir } from '../../src/releases/build-records.js';
import { customBuildApp, gitApp, NODE_APP } from '../releases/git-app.js';
import { isAlive, killAllStarted, runCli, startCli } from './helpers.js';

const T = { timeout: 60_000 };
after(killAllStarted);

const ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

test('dozen build: headings, indented output, durations, one summary line; --json prints the result only', T, async (t) => {
  const app = gitApp(NODE_APP);
  t.after(app.cleanup);
  const r = await runCli(['build', '-d', app.dir], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [record] = listBuilds(join(app.dir, '.dozen'));
  assert.ok(record);
  const short = record.commit.slice(0, 7);
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3), [`-----> Building ${short} as ${record.id}`, '-----> Node.js detected', '-----> Installing dependencies (npm ci)']);
  assert.ok(lines.includes('-----> Building (npm run build)'), r.stdout);
  assert.ok(lines.includes('       wrote built.txt'), r.stdout);
  assert.equal(lines.filter((l) => /^ {7}done in \d+(\.\d)? s$/.test(l)).length, 2, r.stdout);
  assert.match(lines.at(-1) ?? '', new RegExp(`^Build ${record.id} of ${short} succeeded in \\d+(\\.\\d)? s$`));

  const json = await runCli(['build', '--json'], { cwd: app.dir, env: ENV });
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(result), ['id', 'commit', 'status', 'durationMs', 'path']);
  assert.equal(result.status, 'succeeded');
  assert.equal(result.commit, record.commit);
  assert.equal(readFileSync(join(String(result.path), 'built.txt'), 'utf8'), `built from ${record.commit}\n`);
  assert.match(json.stderr, /^-----> Building /);
});

test('a failed step: exit code 1, one error line naming the step and its code, no build folder', T, async (t) => {
  const app = gitApp(customBuildApp('echo compiling; echo "error: bad syntax" >&2; exit 2'));
  t.after(app.cleanup);
  app.write({ 'scratch.txt': 'not committed\n' });
  const r = await runCli(['build', '-d', app.dir], { env: ENV });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const [record] = listBuilds(join(app.dir, '.dozen'));
  assert.equal(record?.status, 'failed');
  const short = record?.commit.slice(0, 7);
  assert.deepEqual(r.stderr.trimEnd().split('\n'), [
    `dozen: the working tree has uncommitted changes; building ${short} without them`,
    '       error: bad syntax',
    `dozen: build ${record?.id} failed: "Running the build command (app.json)" exited with code 2`,
  ]);
  assert.match(r.stdout, /^ {7}compiling$/m);
  assert.match(r.stdout, /^ {7}failed: exited with code 2 \(after \d+(\.\d)? s\)$/m);
  assert.deepEqual(readdirSync(buildsDir(join(app.dir, '.dozen'))), [`${record?.id}.json`]);

  const json = await runCli(['build', '--json', '-d', app.dir], { env: ENV });
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.stdout) as { status: string; path: string }).status, 'failed');
});

test('dozen logs --source build shows the build, as stored lines of its id', T, async (t) => {
  const app = gitApp(customBuildApp('echo step output; echo on stderr >&2'));
  t.after(app.cleanup);
  const r = await runCli(['build', '-d', app.dir], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  const [record] = listBuilds(join(app.dir, '.dozen'));
  const logs = await runCli(['logs', '-d', app.dir, '--source', 'build']);
  assert.equal(logs.code, 0, logs.stderr);
  const texts = logs.stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/^\S+ /, ''));
  const tag = `build[${record?.id}]: `;
  assert.deepEqual(texts.slice(0, 3), [
    `${tag}-----> Building ${record?.commit.slice(0, 7)} as ${record?.id}`,
    `${tag}-----> app.json build command detected`,
    `${tag}-----> Running the build command (app.json)`,
  ]);
  // The step's two streams, in the order they arrived.
  assert.deepEqual(texts.slice(3, 5).sort(), [`${tag}on stderr`, `${tag}step output`]);
  assert.match(texts.at(-1) ?? '', new RegExp(`^build\\[${record?.id}\\]: Build ${record?.id} of \\w{7} succeeded in `));
  const json = await runCli(['logs', '-d', app.dir, '--json', '--ps', String(record?.id), '--grep', 'stderr']);
  assert.deepEqual(
    json.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const { source, instance, stream, text } = JSON.parse(l) as Record<string, string>;
        return { source, instance, stream, text };
      }),
    [{ source: 'build', instance: record?.id, stream: 'stderr', text: 'on stderr' }],
  );
  const app_ = await runCli(['logs', '-d', app.dir, '--source', 'app']);
  assert.equal(app_.stdout, '');
});

test('SIGKILL in the middle of a build: no build is listed, its step dies too, the next build cleans up', T, async (t) => {
  const app = gitApp(customBuildApp('touch made-by-the-step; echo "started $$"; sleep 60'));
  t.after(app.cleanup);
  const stateDir = join(app.dir, '.dozen');
  const running = startCli(['build', '-d', app.dir], { env: ENV });
  const [, pid] = (await running.waitForOutput(/started (\d+)\n/)) as unknown as [string, string];
  running.signalGroup('SIGKILL');
  const ended = await running.exited();
  assert.equal(ended.signal, 'SIGKILL');
  // The watchdog takes the step's process group down once dozen is gone.
  for (let i = 0; isAlive(Number(pid)) && i < 100; i++) await sleep(50);
  assert.equal(isAlive(Number(pid)), false, `step ${pid} still runs`);
  assert.deepEqual(listBuilds(stateDir), []);
  const [leftover] = readdirSync(buildsDir(stateDir)).filter((n) => !n.includes('.'));
  assert.ok(leftover !== undefined && existsSync(join(buildsDir(stateDir), leftover, 'made-by-the-step')));

  app.commit(customBuildApp('true'));
  const next = await runCli(['build', '-d', app.dir], { env: ENV });
  assert.equal(next.code, 0, next.stderr);
  const [record] = listBuilds(stateDir);
  assert.deepEqual(readdirSync(buildsDir(stateDir)).sort(), [record?.id, `${record?.id}.json`].sort());
});

test('Ctrl-C stops the running step and keeps nothing; exit 130', T, async (t) => {
  const app = gitApp(customBuildApp('echo started; sleep 60'));
  t.after(app.cleanup);
  const running = startCli(['build', '-d', app.dir], { env: ENV });
  await running.waitForOutput(/started\n/);
  running.signal('SIGINT');
  const ended = await running.exited();
  assert.equal(ended.code, 130, ended.stderr);
  const [record] = listBuilds(join(app.dir, '.dozen'));
  assert.match(ended.stderr, new RegExp(`^dozen: build ${record?.id} was stopped by SIGINT; nothing was kept\\n$`, 'm'));
  assert.equal(record?.status, 'failed');
  assert.deepEqual(readdirSync(buildsDir(join(app.dir, '.dozen'))), [`${record?.id}.json`]);
});

test('one-line errors before anything is built', T, async (t) => {
  const app = gitApp(customBuildApp('true'));
  t.after(app.cleanup);
  const table: Array<[string[], number, RegExp]> = [
    [['build', '-d', app.dir, '--ref', 'nope'], 2, /^dozen: --ref: no commit "nope" in the repository of .*\n$/],
    [['build', '-d', join(app.dir, 'missing')], 78, /^dozen: .*missing: no such folder \(the app root\)\n$/],
  ];
  for (const [args, code, stderr] of table) {
    const r = await runCli(args, { env: ENV });
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, stderr);
    assert.equal(r.stdout, '');
  }
  assert.equal(existsSync(join(app.dir, 'missing')), false);
});
