// `npm run bench:deploy`: the deploy benchmark of issue 11. A small Node.js app (no dependencies,
// a lockfile, a build script, a release phase) in a temporary git repository, and, in alternation,
// N runs of:
//   hand    its build steps run by hand: git archive HEAD | tar -x into a fresh folder, npm ci,
//           npm run build (with the npm settings dozen's build steps use);
//   deploy  `bin/dozen deploy` with no dozen running: build, release phase, new current release;
//   switch  `bin/dozen deploy` while `bin/dozen start --release` runs the app: the same, plus the
//           switch of the running web process, checked by asking it which commit it serves.
// A trivial commit comes before each run, so each builds a new commit. Each line dozen prints is
// timed as it arrives, which splits a deploy into its phases. Not part of `npm test`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFreePort } from '../src/platform/free-port.js';
import { removeTree } from '../src/releases/build-records.js';
import { REPO_ROOT } from './managers.js';
import { median } from './report.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, keep: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got "${values.runs}"`);

const DOZEN = join(REPO_ROOT, 'bin/dozen');
/** What dozen's Node.js build steps run with (src/releases/buildpacks.ts): no audit, funding notice or update check. */
const NPM_ENV = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

/** The environment everything runs in: git kept away from the machine's config, no DOZEN_ settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of Object.keys(env)) if (/^(GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|DOZEN_)/.test(name)) delete env[name];
  delete env.FORCE_COLOR;
  return env;
}
const ENV = cleanEnv();

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=Bench', '-c', 'init.defaultBranch=main', ...args], { cwd, env: ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** The app: its web process answers with what its build wrote (the commit it was built from). */
const APP: Record<string, string> = {
  Procfile: 'web: node server.js\nrelease: echo migrated\n',
  'server.js':
    "const body = require('fs').readFileSync('built.txt', 'utf8');\n" +
    "require('http').createServer((q, s) => s.end(body)).listen(process.env.PORT, '127.0.0.1');\n",
  'build.js': "require('fs').writeFileSync('built.txt', 'built from ' + process.env.SOURCE_VERSION + '\\n');\n",
  'package.json': `${JSON.stringify({ name: 'tiny', version: '1.0.0', private: true, scripts: { build: 'node build.js' } }, null, 2)}\n`,
  'package-lock.json': `${JSON.stringify({ name: 'tiny', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'tiny', version: '1.0.0' } } }, null, 2)}\n`,
};

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function newRepo(): string {
  const dir = tempDir('dozen-deploy-bench-');
  git(dir, 'init', '-q');
  for (const [name, text] of Object.entries(APP)) writeFileSync(join(dir, name), text);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

let changes = 0;
/** A trivial change, committed: the next build is of a new commit. Returns its sha. */
function commitChange(repo: string): string {
  writeFileSync(join(repo, 'CHANGE'), `${++changes}\n`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', `change ${changes}`);
  return git(repo, 'rev-parse', 'HEAD');
}

interface Timed {
  ms: number;
  code: number | null;
  /** Each stdout line and when it arrived (ms after the spawn). */
  lines: Array<{ t: number; text: string }>;
  stderr: string;
}

/** Runs `argv` to its end, timing it and each line of its stdout. */
function timed(argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Timed['lines'] = [];
    let partial = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const t = performance.now() - t0;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const text of parts) lines.push({ t, text });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - t0;
      if (partial !== '') lines.push({ t: ms, text: partial });
      resolve({ ms, code, lines, stderr });
    });
  });
}

/** What the app on `port` answers (trimmed), or undefined while nothing does. */
async function get(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return (await res.text()).trim();
  } catch {
    return undefined;
  }
}

/** Polls until the app on `port` answers `expected`; the time that took (ms). */
async function serves(port: number, expected: string, timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  let last: string | undefined;
  while (performance.now() - t0 < timeoutMs) {
    last = await get(port);
    if (last === expected) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`expected "${expected}" on port ${port}, last answer: ${JSON.stringify(last)}`);
}

/** The phases of a run (ms), from the times its lines arrived. */
type Phases = Record<string, number>;

/** hand: git archive | tar, then npm ci, then npm run build, split by markers the shell prints. */
async function byHand(repo: string): Promise<{ ms: number; phases: Phases }> {
  const dir = tempDir('dozen-deploy-bench-hand-');
  const script = `echo @export && git archive HEAD | tar -x -C '${dir}' && echo @install && cd '${dir}' && npm ci --include=dev && echo @build && npm run build`;
  const r = await timed(['sh', '-c', script], { cwd: repo, env: { ...ENV, ...NPM_ENV } });
  if (r.code !== 0) throw new Error(`the build by hand failed (${r.code}): ${r.stderr}`);
  const at = (marker: string) => r.lines.find((l) => l.text === marker)!.t;
  if (!readFileSync(join(dir, 'built.txt'), 'utf8').startsWith('built from ')) throw new Error('the build by hand wrote no built.txt');
  references.web.push(await webStart(dir));
  rmSync(dir, { recursive: true, force: true });
  temps.splice(temps.indexOf(dir), 1);
  return {
    ms: r.ms,
    phases: { 'sh start-up': at('@export'), 'git archive into tar': at('@install') - at('@export'), 'npm ci': at('@build') - at('@install'), 'npm run build': r.ms - at('@build') },
  };
}

/** The web process alone, as a switch starts it: `node server.js` in a build, until it answers (ms). */
async function webStart(dir: string): Promise<number> {
  const port = await kernelFreePort();
  const t0 = performance.now();
  const child = spawn('node', ['server.js'], { cwd: dir, env: { ...ENV, PORT: String(port) }, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      if ((await get(port)) !== undefined) return performance.now() - t0;
      if (child.exitCode !== null) throw new Error(`node server.js exited ${child.exitCode} before answering`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The git commands a build runs before its first heading (src/releases/git-source.ts), one after another (ms). */
async function gitAsDozen(repo: string): Promise<number> {
  const dir = tempDir('dozen-deploy-bench-git-');
  const t0 = performance.now();
  for (const args of [
    ['rev-parse', '--is-bare-repository'],
    ['rev-parse', '--show-toplevel', '--show-prefix'],
    ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'],
    ['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--', '.'],
  ]) {
    const r = await timed(['git', ...args], { cwd: repo });
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  }
  const r = await timed(['sh', '-c', `git -c core.autocrlf=false -c core.attributesFile=/dev/null archive --format=tar HEAD | tar -x -f - -C '${dir}' --no-same-owner`], { cwd: repo });
  if (r.code !== 0) throw new Error(`git archive failed: ${r.stderr}`);
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  temps.splice(temps.indexOf(dir), 1);
  return ms;
}

/** `bin/dozen deploy -d repo`; its phases from the lines it prints as it goes. */
async function deploy(repo: string, switched: boolean): Promise<{ ms: number; phases: Phases }> {
  const r = await timed([DOZEN, 'deploy', '-d', repo], { cwd: repo });
  const out = r.lines.map((l) => l.text).join('\n');
  if (r.code !== 0) throw new Error(`dozen deploy exited ${r.code}:\n${out}\n${r.stderr}`);
  const find = (re: RegExp, after = -1) => {
    const i = r.lines.findIndex((l, j) => j > after && re.test(l.text));
    if (i < 0) throw new Error(`dozen deploy printed no line matching ${re}:\n${out}`);
    return i;
  };
  const building = find(/^-----> Building [0-9a-f]{7} as /);
  const install = find(/^-----> Installing dependencies \(npm ci\)$/);
  const installed = find(/^\s+done in /, install);
  const script = find(/^-----> Building \(npm run build\)$/);
  const built = find(/^\s+done in /, script);
  const summary = find(/^Build b-\S+ of [0-9a-f]{7} succeeded in /);
  const migrated = find(/^migrated$/);
  const current = find(/^v\d+: Deploy [0-9a-f]{7} \(build b-\S+\) is the current release$/);
  const t = (i: number) => r.lines[i]!.t;
  const phases: Phases = {
    'start-up, git checks, git archive (to the first heading)': t(building),
    'npm ci': t(installed) - t(install),
    'npm run build': t(built) - t(script),
    'between steps (headings, detection)': t(install) - t(building) + (t(script) - t(installed)),
    'read-only build, build record': t(summary) - t(built),
    'release phase (pending record, sh -c echo)': t(migrated) - t(summary),
    'release settled (record written)': t(current) - t(migrated),
  };
  let last = t(current);
  if (switched) {
    const sw = find(/^the running formation now runs v\d+ \(web\.1 replaced\)$/);
    phases['switch (web.1 replaced)'] = t(sw) - t(current);
    last = t(sw);
  } else if (r.lines.some((l) => /running formation/.test(l.text))) {
    throw new Error(`a deploy with no dozen running switched something:\n${out}`);
  }
  phases['pruning, exit'] = r.ms - last;
  return { ms: r.ms, phases };
}

interface Started {
  child: ChildProcess;
  exited: Promise<void>;
  done: () => boolean;
}

function startRelease(repo: string, port: number, logDir: string): Started {
  const fd = openSync(join(logDir, 'start.log'), 'w');
  const child = spawn(DOZEN, ['start', '--release', '-d', repo, '-p', String(port)], { cwd: repo, env: ENV, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let over = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((over = true), resolve())));
  return { child, exited, done: () => over };
}

async function stop(started: Started): Promise<void> {
  if (started.done()) return;
  started.child.kill('SIGTERM');
  await Promise.race([started.exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (!started.done()) {
    try {
      process.kill(-started.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await started.exited;
  }
}

function cleanUp(): void {
  for (const dir of temps.splice(0)) {
    if (values.keep) {
      console.log(`kept ${dir}`);
      continue;
    }
    removeTree(join(dir, '.dozen', 'builds')); // builds are read-only
    rmSync(dir, { recursive: true, force: true });
  }
}

const KINDS = ['hand', 'deploy', 'switch'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = {
  hand: 'build steps by hand (git archive into tar, npm ci, npm run build)',
  deploy: '`dozen deploy`, no dozen running (build, release phase)',
  switch: '`dozen deploy` with `dozen start --release` running (build, release phase, switch)',
};

const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
const samples: Record<Kind, Array<{ ms: number; phases: Phases }>> = { hand: [], deploy: [], switch: [] };
/** Measured beside the runs, to read the phases by: dozen's start-up, its git commands, a web process's start. */
const references = { startup: [] as number[], git: [] as number[], web: [] as number[], listening: [] as number[] };
let started: Started | undefined;
let interrupted = false;
process.once('SIGINT', () => (interrupted = true));

try {
  const plain = newRepo(); // deployed with no dozen running; also the source of the builds by hand
  const running = newRepo(); // deployed while dozen start --release runs it
  const logDir = tempDir('dozen-deploy-bench-log-');
  const port = await kernelFreePort();

  // Warm-up, not counted: the first build of each app, the code cache of bin/dozen, npm's own cache.
  await byHand(plain);
  await deploy(plain, false);
  await deploy(running, false);
  started = startRelease(running, port, logDir);
  await serves(port, `built from ${git(running, 'rev-parse', 'HEAD')}`);

  for (let run = 0; run < runs && !interrupted; run++) {
    // Rotate the order each run, so that none always runs right after another.
    const order = KINDS.map((_, i) => KINDS[(i + run) % KINDS.length]!);
    for (const kind of order) {
      const repo = kind === 'switch' ? running : plain;
      const sha = commitChange(repo);
      const m = kind === 'hand' ? await byHand(repo) : await deploy(repo, kind === 'switch');
      let note = '';
      if (kind === 'switch') {
        const wait = await serves(port, `built from ${sha}`);
        note = `, serving ${sha.slice(0, 7)} ${wait.toFixed(0)} ms after the deploy exited`;
      }
      samples[kind].push(m);
      console.log(`#${run + 1} ${kind}: ${m.ms.toFixed(0)} ms${note}`);
    }
    references.startup.push((await timed([DOZEN, '--version'], { cwd: REPO_ROOT })).ms);
    references.git.push(await gitAsDozen(plain));
  }
  // dozen start's own account of each switch: how long the new web.1 took to listen (the first
  // line is the start before the runs).
  const listening = [...readFileSync(join(logDir, 'start.log'), 'utf8').matchAll(/web\.1 listening on :\d+ after (\d+) ms/g)].map((m) => Number(m[1]));
  references.listening.push(...listening.slice(1));
} finally {
  if (started) await stop(started);
  cleanUp();
}
const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');

const med = (kind: Kind) => median(samples[kind].map((s) => s.ms));
const ms = (v: number) => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
const hand = med('hand');
const dep = med('deploy');
const sw = med('switch');
const cpu = cpus();
const lines = [
  `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node.js ${process.version}, npm ${spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim()}; load average before: ${loadBefore}; after: ${loadAfter}. ${samples.hand.length} runs of each, in alternation.`,
  '',
  '| run | median | min – max | × by hand |',
  '| --- | ---: | ---: | ---: |',
  ...KINDS.map((k) => {
    const all = samples[k].map((s) => s.ms);
    return `| ${LABEL[k]} | ${ms(med(k))} | ${ms(Math.min(...all))} – ${ms(Math.max(...all))} | ${(med(k) / hand).toFixed(2)}× |`;
  }),
  '',
  `The switch: ${ms(sw - dep)} (median with it minus median without it), ${(((sw - dep) / sw) * 100).toFixed(0)}% of a deploy that switches.`,
  '',
  `Beside the runs (medians): \`bin/dozen --version\` ${ms(median(references.startup))}; the git commands a build runs before its first heading (3 × rev-parse, status, archive into tar), run one after another from Node.js, ${ms(median(references.git))}; \`node server.js\` of a build started alone until it answers ${ms(median(references.web))}; in each switch, the new web.1 from its start until it listened, as \`dozen start\` reports it, ${ms(median(references.listening))} (${references.listening.length} switches).`,
  '',
  '| phase (median) | by hand | deploy | deploy with switch |',
  '| --- | ---: | ---: | ---: |',
];
const phaseNames = [...new Set(KINDS.flatMap((k) => samples[k].flatMap((s) => Object.keys(s.phases))))];
for (const name of phaseNames) {
  const cell = (k: Kind) => {
    const v = samples[k].map((s) => s.phases[name]).filter((x): x is number => x !== undefined);
    return v.length > 0 ? ms(median(v)) : '–';
  };
  lines.push(`| ${name} | ${cell('hand')} | ${cell('deploy')} | ${cell('switch')} |`);
}
console.log(`\n${lines.join('\n')}`);
if (interrupted) process.exitCode = 130;
