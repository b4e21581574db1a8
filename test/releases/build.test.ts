// Real builds in temporary git repositories: what a build holds (the commit's files, not the
// working tree's), what it ran, that it is read-only, what a failure leaves, pruning and the
// clean-up of half-made builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DozenError } from '../../src/errors.js';
import { ensureStateDir } from '../../src/platform/state-dir.js';
import { listBuilds, pathWithBuild, pruneBuilds, readBuild, removeUnfinishedBuilds, runBuild, type RunBuildOptions } from '../../src/releases/build.js';
import { buildsDir, removeTree } from '../../src/releases/build-records.js';
import { customBuildApp, git, gitApp, gitTestEnv, NODE_APP, type GitApp } from './git-app.js';

const T = { timeout: 60_000 };

function build(app: GitApp | string, opts: Partial<RunBuildOptions> = {}) {
  const root = typeof app === 'string' ? app : app.dir;
  return runBuild({ root, stateDir: ensureStateDir(root), env: gitTestEnv(), storeLogs: false, ...opts });
}

/** Every file and folder under `dir` whose mode lets anyone write it (links aside). */
function writable(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.mode & 0o222) found.push(relative(dir, path) || '.');
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

test('a Node.js app: npm ci and its build script run in the build, which is then read-only', T, async (t) => {
  const app = gitApp(NODE_APP);
  t.after(app.cleanup);
  const commit = git(app.dir, 'rev-parse', 'HEAD');
  const events: string[] = [];
  const lines: string[] = [];
  const record = await build(app, {
    onStart: (s) => events.push(`start ${s.detected.join(',')}`),
    onStep: (e) => events.push(`${e.type} ${e.name}${e.type === 'end' ? ` ${e.status}` : ''}`),
    onLine: (line, _stream, step) => lines.push(`${step}: ${line}`),
  });
  assert.equal(record.status, 'succeeded', record.error);
  assert.equal(record.commit, commit);
  assert.match(record.id, new RegExp(`^b-\\d{14}-${commit.slice(0, 7)}$`));
  assert.equal(record.path, join(buildsDir(join(app.dir, '.dozen')), record.id));
  assert.deepEqual(events, [
    'start Node.js',
    'start Installing dependencies (npm ci)',
    'end Installing dependencies (npm ci) succeeded',
    'start Building (npm run build)',
    'end Building (npm run build) succeeded',
  ]);
  assert.ok(lines.includes('Building (npm run build): wrote built.txt'), lines.join('\n'));
  assert.deepEqual(record.steps.map((s) => [s.name, s.status]), [
    ['Installing dependencies (npm ci)', 'succeeded'],
    ['Building (npm run build)', 'succeeded'],
  ]);
  // SOURCE_VERSION is the commit, as on Heroku.
  assert.equal(readFileSync(join(record.path, 'built.txt'), 'utf8'), `built from ${commit}\n`);
  assert.deepEqual(writable(record.path), []);
  assert.deepEqual(readBuild(join(app.dir, '.dozen'), record.id), record);
  assert.deepEqual(listBuilds(join(app.dir, '.dozen')), [record]);
  assert.deepEqual(readdirSync(buildsDir(join(app.dir, '.dozen'))).sort(), [record.id, `${record.id}.json`]);
});

test('the commit is built, not the working tree; a dirty tree gets one warning', T, async (t) => {
  const app = gitApp({ ...customBuildApp('ls -A > ../listing-of-$(basename $PWD)'), 'kept.txt': 'committed\n', 'gone.txt': 'committed\n' });
  t.after(app.cleanup);
  const clean: string[] = [];
  await build(app, { onWarning: (w) => clean.push(w) });
  assert.deepEqual(clean, [], 'the state folder itself is no change');

  app.write({ 'kept.txt': 'edited, not committed\n', 'new.txt': 'untracked\n' });
  spawnSync('rm', [join(app.dir, 'gone.txt')]);
  const warnings: string[] = [];
  const record = await build(app, { onWarning: (w) => warnings.push(w) });
  const short = record.commit.slice(0, 7);
  assert.deepEqual(warnings, [`the working tree has uncommitted changes; building ${short} without them`]);
  assert.equal(readFileSync(join(record.path, 'kept.txt'), 'utf8'), 'committed\n');
  assert.equal(readFileSync(join(record.path, 'gone.txt'), 'utf8'), 'committed\n');
  assert.equal(existsSync(join(record.path, 'new.txt')), false);
  // No .git, and no state folder, in a build.
  const listing = readFileSync(join(buildsDir(join(app.dir, '.dozen')), `listing-of-${record.id}`), 'utf8');
  assert.deepEqual(listing.trim().split('\n').sort(), ['Procfile', 'app.json', 'gone.txt', 'kept.txt']);
  // A change only to an ignored file is no change.
  app.commit({ '.gitignore': '*.log\n' });
  app.write({ 'debug.log': 'x\n' });
  const none: string[] = [];
  await build(app, { onWarning: (w) => none.push(w) });
  assert.deepEqual(none, []);
});

test("app.json's build command runs instead of the detected steps; a step's env comes from the caller", T, async (t) => {
  const app = gitApp({ ...NODE_APP, ...customBuildApp('echo "custom $GREETING"; echo to-stderr >&2; printf "%s" "$SOURCE_VERSION" > version; git rev-parse --git-dir 2>/dev/null || echo "no repository"') });
  t.after(app.cleanup);
  const lines: string[] = [];
  const record = await build(app, { env: gitTestEnv({ GREETING: 'hello' }), onLine: (line, stream) => lines.push(`${stream} ${line}`) });
  assert.equal(record.status, 'succeeded', record.error);
  assert.deepEqual(record.steps.map((s) => s.name), ['Running the build command (app.json)']);
  // The app's own repository is out of sight from inside the build. (Each stream keeps its order; the two interleave as they come.)
  assert.deepEqual(lines.filter((l) => l.startsWith('stdout')), ['stdout custom hello', 'stdout no repository']);
  assert.deepEqual(lines.filter((l) => l.startsWith('stderr')), ['stderr to-stderr']);
  assert.equal(readFileSync(join(record.path, 'version'), 'utf8'), record.commit);
  assert.equal(existsSync(join(record.path, 'built.txt')), false, 'npm run build did not run');
  assert.deepEqual(record.paths, []);
});

test('a Python app: a virtualenv inside the build, first on PATH, working from where it is', T, async (t) => {
  const probe = spawnSync('python3', ['-m', 'venv', '--help'], { stdio: 'ignore' });
  if (probe.status !== 0) return t.skip('python3 with the venv module is not installed (apt-get install python3-venv)');
  const app = gitApp({ Procfile: 'web: python3 app.py\n', 'requirements.txt': '', 'app.py': 'print("hi")\n' });
  t.after(app.cleanup);
  const record = await build(app);
  assert.equal(record.status, 'succeeded', record.error);
  assert.deepEqual(record.steps.map((s) => s.name), ['Creating a virtualenv (python3 -m venv .venv)', 'Installing requirements (pip install -r requirements.txt)']);
  const bin = join(record.path, '.venv', 'bin');
  assert.deepEqual(record.paths, [bin]);
  assert.equal(pathWithBuild(record, '/usr/bin:/bin'), `${bin}:/usr/bin:/bin`);
  // The scripts pip installed name the build's own python: the build was made where it stays.
  assert.equal(readFileSync(join(bin, 'pip'), 'utf8').split('\n')[0], `#!${join(bin, 'python3')}`);
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.prefix)'], { cwd: record.path, env: { ...process.env, PATH: pathWithBuild(record, process.env.PATH) }, encoding: 'utf8' });
  assert.equal(python.stdout.trim(), join(record.path, '.venv'));
  assert.deepEqual(writable(record.path), []);
});

test('a failed step: the build keeps only its record, nothing else changes', T, async (t) => {
  const app = gitApp(NODE_APP);
  t.after(app.cleanup);
  const good = await build(app);
  app.commit(customBuildApp('echo making; mkdir half-made; exit 3'));
  const lines: string[] = [];
  const failed = await build(app, { onLine: (line) => lines.push(line) });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, '"Running the build command (app.json)" exited with code 3');
  assert.equal(failed.path, '');
  assert.deepEqual(failed.steps.map((s) => s.status), ['failed']);
  assert.deepEqual(lines, ['making']);
  const dir = buildsDir(join(app.dir, '.dozen'));
  assert.deepEqual(readdirSync(dir).sort(), [good.id, `${good.id}.json`, `${failed.id}.json`].sort());
  assert.deepEqual(listBuilds(join(app.dir, '.dozen')).map((b) => [b.id, b.status]), [
    [failed.id, 'failed'],
    [good.id, 'succeeded'],
  ]);
  // A commit that cannot be planned fails the same way.
  app.commit({ 'app.json': '{"scripts": ' });
  const unreadable = await build(app);
  assert.equal(unreadable.status, 'failed');
  assert.match(unreadable.error ?? '', /^app\.json: not valid JSON/);
  assert.equal(existsSync(join(dir, unreadable.id)), false);
});

test('--ref, a bare repository, an app in a folder of its repository', T, async (t) => {
  const app = gitApp({ ...customBuildApp('true'), 'version.txt': 'one\n' });
  t.after(app.cleanup);
  const first = git(app.dir, 'rev-parse', 'HEAD');
  git(app.dir, 'tag', 'v1');
  app.commit({ 'version.txt': 'two\n' });
  const tagged = await build(app, { ref: 'v1' });
  assert.equal(tagged.commit, first);
  assert.equal(readFileSync(join(tagged.path, 'version.txt'), 'utf8'), 'one\n');

  const bare = `${app.dir}-bare.git`;
  git(app.dir, 'clone', '-q', '--bare', app.dir, bare);
  t.after(() => {
    removeTree(join(bare, '.dozen', 'builds'));
    rmSync(bare, { recursive: true, force: true });
  });
  const warnings: string[] = [];
  const fromBare = await build(bare, { onWarning: (w) => warnings.push(w) });
  assert.equal(fromBare.status, 'succeeded', fromBare.error);
  assert.equal(fromBare.path.startsWith(join(bare, '.dozen', 'builds')), true);
  assert.equal(readFileSync(join(fromBare.path, 'version.txt'), 'utf8'), 'two\n');
  assert.deepEqual(warnings, []);

  const mono = gitApp({ 'README.md': 'top\n', ...Object.fromEntries(Object.entries(customBuildApp('true')).map(([k, v]) => [`services/api/${k}`, v])) });
  t.after(mono.cleanup);
  const sub = join(mono.dir, 'services', 'api');
  const inFolder = await build(sub);
  assert.deepEqual(readdirSync(inFolder.path).sort(), ['Procfile', 'app.json']);
});

test('no commit to build: one-line errors, and nothing made', T, async (t) => {
  const app = gitApp(customBuildApp('true'));
  t.after(app.cleanup);
  const empty = gitApp();
  t.after(empty.cleanup);
  const notRepo = gitApp();
  spawnSync('rm', ['-rf', join(notRepo.dir, '.git')]);
  t.after(notRepo.cleanup);
  const table: Array<[() => Promise<unknown>, string, RegExp]> = [
    [() => build(app, { ref: 'no-such-branch' }), 'usage', /^--ref: no commit "no-such-branch" in the repository of /],
    [() => build(app, { ref: '--output=x' }), 'usage', /^--ref: expected a branch, tag or commit, got "--output=x"$/],
    [() => build(empty), 'config', /has no commit yet: a build is made from a commit \(commit the app first\)$/],
    [() => build(notRepo), 'config', /is not in a git repository: a build is made from a commit/],
    [() => build(app, { env: gitTestEnv({ PATH: '/nonexistent' }) }), 'build', /^git is not installed \(not found on PATH\); a build needs it$/],
  ];
  for (const [run, code, message] of table) {
    await assert.rejects(run, (err: unknown) => err instanceof DozenError && err.code === code && message.test(err.oneLine()) && !err.oneLine().includes('\n'));
  }
  for (const dir of [app.dir, empty.dir, notRepo.dir]) assert.equal(existsSync(buildsDir(join(dir, '.dozen'))), false);
});

test('pruneBuilds: the newest N and those in use stay; read-only folders go', T, async (t) => {
  const app = gitApp(customBuildApp('mkdir -p deep/er && touch deep/er/file'));
  t.after(app.cleanup);
  const stateDir = join(app.dir, '.dozen');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await build(app)).id);
  app.commit(customBuildApp('exit 1'));
  const failed = [(await build(app)).id, (await build(app)).id];
  assert.deepEqual(pruneBuilds(stateDir, 2, new Set([ids[0] as string])), [ids[1]]);
  assert.deepEqual(listBuilds(stateDir).map((b) => b.id), [failed[1], failed[0], ids[3], ids[2], ids[0]]);
  assert.equal(existsSync(join(buildsDir(stateDir), ids[1] as string)), false);
  assert.deepEqual(pruneBuilds(stateDir, 2, new Set([ids[0] as string])), []);
  // Failed records count apart: a run of failures never pushes out a good build.
  assert.deepEqual(pruneBuilds(stateDir, 1, new Set()), [failed[0], ids[2], ids[0]]);
  assert.deepEqual(readdirSync(buildsDir(stateDir)).sort(), [`${failed[1]}.json`, ids[3], `${ids[3]}.json`].sort());
});

test('removeUnfinishedBuilds: a killed build goes, one being made stays', T, async (t) => {
  const app = gitApp(customBuildApp('true'));
  t.after(app.cleanup);
  const stateDir = ensureStateDir(app.dir);
  const dir = buildsDir(stateDir);
  const done = await build(app);
  // A dead maker's half-made (read-only) folder and marker; a folder with no marker at all.
  const dead = spawnSync('true').pid as number;
  mkdirSync(join(dir, 'b-20260101000000-aaaaaaa', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'b-20260101000000-aaaaaaa.building'), `${dead}\n`);
  spawnSync('chmod', ['-R', 'a-w', join(dir, 'b-20260101000000-aaaaaaa')]);
  mkdirSync(join(dir, 'b-20260101000001-bbbbbbb'));
  // A live maker (this process).
  mkdirSync(join(dir, 'b-20260101000002-ccccccc'));
  writeFileSync(join(dir, 'b-20260101000002-ccccccc.building'), `${process.pid}\n`);
  assert.deepEqual(listBuilds(stateDir).map((b) => b.id), [done.id]);
  assert.deepEqual(removeUnfinishedBuilds(stateDir).sort(), ['b-20260101000000-aaaaaaa', 'b-20260101000001-bbbbbbb']);
  assert.deepEqual(readdirSync(dir).sort(), [done.id, `${done.id}.json`, 'b-20260101000002-ccccccc', 'b-20260101000002-ccccccc.building'].sort());
});
