// Build, release, run end to end: a Node app in a temporary git repository, `dozen deploy`, a
// running `dozen start --release` that serves the new commit after a deploy, the new config after
// `config set` and the old one after `rollback`; a failing release phase that changes nothing; a
// `git push` to a `dozen git-remote`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { kernelFreePort } from '../../src/platform/free-port.js';
import { git, gitApp, gitTestEnv, type GitApp } from '../releases/git-app.js';
import { cliPath, killAllStarted, runCli, startCli } from './helpers.js';

const T = { timeout: 180_000 };

after(() => killAllStarted());

/** A web process that says which commit (BUILT) and which config (MESSAGE) it runs. */
const app = (version: string, release = 'echo "release phase of $MESSAGE"') => ({
  Procfile: `web: node server.js\nrelease: ${release}\n`,
  'server.js': `require('http').createServer((q, s) => s.end('${version} ' + process.env.MESSAGE + '\\n')).listen(process.env.PORT, '127.0.0.1');\n`,
  'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true })}\n`,
  'package-lock.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'shop', version: '1.0.0' } } })}\n`,
});

function get(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Waits until the app answers `expected` on `port`; fails with the last answer. */
async function serves(port: number, expected: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  while (Date.now() < deadline) {
    last = await get(port);
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`expected "${expected}" on port ${port}, last answer: ${JSON.stringify(last)}`);
}

const dozen = (args: string[], repo: GitApp) => runCli([...args, '-d', repo.dir], { env: gitTestEnv() as Record<string, string>, timeoutMs: 120_000 });

async function releases(repo: GitApp): Promise<Array<{ version: number; description: string; status: string; current: boolean }>> {
  const r = await dozen(['releases', '--json'], repo);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('deploy, config set, rollback and a failing release phase, with dozen start --release switched each time', T, async () => {
  const repo = gitApp(app('commit-1'));
  try {
    assert.equal((await dozen(['config', 'set', 'MESSAGE=hello'], repo)).code, 0);
    const first = await dozen(['deploy'], repo);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /-----> Building [0-9a-f]{7}/);
    assert.match(first.stdout, /release phase of hello/, 'the release phase ran with the release config');
    assert.match(first.stdout, /v1: Deploy [0-9a-f]{7} \(build b-\d+-[0-9a-f]{7}\) is the current release/);
    assert.equal(statSync(join(repo.dir, '.dozen', 'releases.json')).mode & 0o777, 0o600);

    const port = await kernelFreePort();
    const running = startCli(['start', '--release', '-d', repo.dir, '-p', String(port)], { env: gitTestEnv() as Record<string, string>, timeoutMs: 170_000 });
    await serves(port, 'commit-1 hello');
    const ps = JSON.parse((await dozen(['ps', '--json'], repo)).stdout) as Array<{ name: string; release: string }>;
    assert.deepEqual(ps.map((r) => [r.name, r.release]), [['web.1', 'v1']]);

    repo.commit(app('commit-2'));
    const second = await dozen(['deploy'], repo);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /the running formation now runs v2 \(web\.1 replaced\)/);
    await serves(port, 'commit-2 hello');

    const set = await dozen(['config', 'set', 'MESSAGE=changed'], repo);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes('changed') || /release phase of changed/.test(set.stdout), 'the value shows only in what the app itself prints');
    assert.match(set.stdout, /v3: Set MESSAGE/);
    await serves(port, 'commit-2 changed');

    const back = await dozen(['rollback'], repo);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.match(back.stdout, /v4: Rollback to v2/);
    await serves(port, 'commit-2 hello');
    assert.equal((await dozen(['config'], repo)).stdout, 'MESSAGE=hello\n', 'a rollback brings the config back too');

    repo.commit(app('commit-3', 'echo "migrating"; exit 3'));
    const failed = await dozen(['deploy'], repo);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /migrating/);
    assert.match(failed.stderr, /^dozen: v5's release phase exited with code 3; v5 is recorded as failed and the current release stays current\n/);
    await serves(port, 'commit-2 hello');
    assert.deepEqual(
      (await releases(repo)).map((r) => [r.version, r.description.replace(/[0-9a-f]{7}/, 'SHA'), r.status, r.current]),
      [
        [5, 'Deploy SHA', 'failed', false],
        [4, 'Rollback to v2', 'succeeded', true],
        [3, 'Set MESSAGE', 'succeeded', false],
        [2, 'Deploy SHA', 'succeeded', false],
        [1, 'Deploy SHA', 'succeeded', false],
      ],
    );
    // Options of dozen run come before its command: what follows is the command's.
    // A release whose Procfile adds a type starts it; the instances of the others are replaced.
    repo.commit({ ...app('commit-4'), Procfile: 'web: node server.js\nworker: node -e "setInterval(() => {}, 1000)"\n' });
    const grown = await dozen(['deploy'], repo);
    assert.equal(grown.code, 0, grown.stdout + grown.stderr);
    assert.match(grown.stdout, /the running formation now runs v6 \(web\.1, worker\.1 replaced\)/);
    await serves(port, 'commit-4 hello');
    const grownPs = JSON.parse((await dozen(['ps', '--json'], repo)).stdout) as Array<{ name: string; release: string; state: string }>;
    assert.deepEqual(grownPs.map((r) => [r.name, r.release, r.state]), [['web.1', 'v6', 'running'], ['worker.1', 'v6', 'running']]);

    const run = await runCli(['run', '-d', repo.dir, '--release', 'v1', 'node', '-e', 'console.log(process.env.MESSAGE, process.cwd().includes("/builds/"))'], {
      env: gitTestEnv() as Record<string, string>,
    });
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, 'hello true\n', '']);
    const env = await dozen(['env', '--explain', '--release'], repo);
    assert.deepEqual([env.code, env.stdout], [0, 'MESSAGE=hello  # config store (v6)\n']);
    const failedRun = await runCli(['run', '-d', repo.dir, '--release', 'v5', 'true'], { env: gitTestEnv() as Record<string, string> });
    assert.deepEqual([failedRun.code, failedRun.stderr], [2, 'dozen: v5 failed (its release phase): run a release that succeeded\n']);

    running.signal('SIGTERM');
    await running.exited(20_000);
  } finally {
    killAllStarted();
    repo.cleanup();
  }
});

test('git push to a dozen git-remote builds while the push waits; a failing build rejects the push', T, async () => {
  // The release phase sees no repository of the hook's and reads no ref line of the push.
  const work = gitApp(app('pushed', 'echo "git: $(git rev-parse --git-dir 2>/dev/null || echo none) stdin: $(cat | wc -l)"'));
  const remote = gitApp();
  try {
    const bare = join(remote.dir, 'shop.git');
    const made = await runCli(['git-remote', bare], { env: gitTestEnv() as Record<string, string> });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /created .*shop\.git: a push to main or master deploys/);
    const push = spawnSync('git', ['push', bare, 'HEAD:master', 'HEAD:main'], { cwd: work.dir, env: gitTestEnv(), encoding: 'utf8', timeout: 120_000 });
    assert.equal(push.status, 0, push.stderr);
    assert.match(push.stderr, /remote: -----> Building [0-9a-f]{7}/);
    assert.match(push.stderr, /remote: git: none stdin: 0/);
    assert.match(push.stderr, /remote: v1: Deploy [0-9a-f]{7} .* is the current release/);
    assert.match(push.stderr, /remote: v2: Deploy [0-9a-f]{7} .* is the current release/, 'both deploy branches were deployed');
    const again = await runCli(['deploy', '-d', bare], { env: gitTestEnv() as Record<string, string>, timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /v3: Deploy/, 'HEAD of the remote is its deploy branch');

    work.commit({ 'package.json': '{ "name": broken' });
    const rejected = spawnSync('git', ['push', bare, 'main'], { cwd: work.dir, env: gitTestEnv(), encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(rejected.status, 0, 'a failed build rejects the push');
    assert.match(rejected.stderr, /pre-receive hook declined/);
    const listed = await runCli(['releases', '--json', '-d', bare], { env: gitTestEnv() as Record<string, string> });
    assert.deepEqual((JSON.parse(listed.stdout) as Array<{ version: number }>).map((r) => r.version), [3, 2, 1]);
    assert.equal(git(bare, 'rev-parse', 'main'), git(work.dir, 'rev-parse', 'HEAD~1'), 'the rejected commit is not in the remote');

    // Built, but its release phase fails: the push is rejected, and `dozen release` does not pick
    // the build of a commit the remote does not have.
    work.commit(app('pushed-2', 'exit 4'));
    const rejectedAgain = spawnSync('git', ['push', bare, 'main'], { cwd: work.dir, env: gitTestEnv(), encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(rejectedAgain.status, 0);
    assert.match(rejectedAgain.stderr, /remote: dozen: v4's release phase exited with code 4/);
    const released = await runCli(['release', '-d', bare], { env: gitTestEnv() as Record<string, string>, timeoutMs: 60_000 });
    assert.equal(released.code, 0, released.stdout + released.stderr);
    assert.match(released.stdout, new RegExp(`v5: Deploy ${git(bare, 'rev-parse', 'main').slice(0, 7)}`));
    assert.ok(cliPath.length > 0);
  } finally {
    work.cleanup();
    remote.cleanup();
  }
});

test('a SIGKILL of dozen deploy during the release phase leaves the previous release current, nothing half-made listed, no lock held', T, async () => {
  const repo = gitApp(app('commit-1'));
  try {
    assert.equal((await dozen(['deploy'], repo)).code, 0);
    const mark = join(repo.dir, '..', `${repo.dir.split('/').pop()}-release-started`);
    repo.commit(app('commit-2', `touch ${mark}; sleep 60`));
    const deploying = startCli(['deploy', '-d', repo.dir], { env: gitTestEnv() as Record<string, string>, timeoutMs: 120_000 });
    const deadline = Date.now() + 60_000;
    while (!existsSync(mark)) {
      if (Date.now() > deadline) assert.fail(`the release phase never started; output: ${deploying.stdout()} ${deploying.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const during = await releases(repo);
    assert.deepEqual(during.map((r) => [r.version, r.status]), [[2, 'pending'], [1, 'succeeded']], 'pending while its release phase runs');
    deploying.signalGroup('SIGKILL');
    await deploying.exited(10_000).catch(() => undefined);
    assert.deepEqual((await releases(repo)).map((r) => [r.version, r.status, r.current]), [[1, 'succeeded', true]]);
    repo.commit(app('commit-3'));
    const next = await dozen(['deploy'], repo);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.deepEqual((await releases(repo)).map((r) => [r.version, r.status, r.current]), [[2, 'succeeded', true], [1, 'succeeded', false]]);
    rmSync(mark, { force: true });
  } finally {
    killAllStarted();
    repo.cleanup();
  }
});
