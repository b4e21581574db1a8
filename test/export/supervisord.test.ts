// supervisord really runs the exported example app: the release phase runs first, the web
// instances answer on their ports, every process starts with exactly the environment `dozen
// start` would give it (read from /proc/PID/environ, hostile values included), and SIGTERM to
// supervisord leaves nothing behind. A slow release holds the programs back until it succeeds;
// a failing one keeps them from ever running their commands.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadEnv } from '../../src/env/load-env.js';
import { expandFormation } from '../../src/formation/expand.js';
import type { ProcessSpec } from '../../src/formation/types.js';
import { parseProcfile } from '../../src/procfile/parse.js';
import { exportNames } from '../../src/export/names.js';
import { renderSupervisord } from '../../src/export/supervisord.js';
import type { ExportContext } from '../../src/export/types.js';
import { writeExport } from '../../src/export/write-files.js';
import { hasTool, hostileConfig, missingToolReason, resolveRepo, tempDir } from './fixtures.js';

const skip = missingToolReason('supervisord', hasTool('supervisord'));
const HELLO = resolveRepo('examples', 'hello');
const started: ChildProcess[] = [];
const dirs: string[] = [];

after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});


/** examples/hello with its .env plus the hostile values and a marker to find its processes. */
function helloApp(basePort: number, marker: string): { instances: ProcessSpec[]; ctx: ExportContext; dir: string } {
  const procfile = parseProcfile(readFileSync(join(HELLO, 'Procfile'), 'utf8'), 'Procfile');
  const dotenv = loadEnv([{ path: '.env', text: readFileSync(join(HELLO, '.env'), 'utf8') }], {}, { override: false, expand: true, lenient: false });
  const config = { ...Object.fromEntries(dotenv.vars.map((v) => [v.key, v.value])), ...hostileConfig(), DOZEN_TEST_MARKER: marker };
  const { instances, releasePhase } = expandFormation({
    entries: procfile.entries,
    formation: new Map([['web', 2], ['worker', 1]]),
    basePort,
    env: config,
    cwd: HELLO,
  });
  const dir = tempDir('supervisord');
  dirs.push(dir);
  const names = exportNames('hello', ['web', 'worker']);
  const ctx: ExportContext = { ...names, root: HELLO, outDir: join(dir, 'conf.d'), timeoutSec: 5, user: undefined, image: undefined, releasePhase, config, basePort, listen: { host: undefined, port: 80 } };
  return { instances, ctx, dir };
}

/** Pids whose environment carries the marker, with that environment. */
function markedProcesses(marker: string): Map<number, { env: Record<string, string>; argv: string[] }> {
  const found = new Map<number, { env: Record<string, string>; argv: string[] }>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    let raw: string;
    let argv: string[];
    try {
      raw = readFileSync(`/proc/${name}/environ`, 'utf8');
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    } catch {
      continue; // gone or not ours to read: not one of the app's processes either way
    }
    if (!raw.includes(`DOZEN_TEST_MARKER=${marker}\0`)) continue;
    const env: Record<string, string> = {};
    for (const entry of raw.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    found.set(Number(name), { env, argv });
  }
  return found;
}

function httpGet(port: number): Promise<string> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

/** Polls `probe` until it returns a value or the bound passes; the error says what was seen. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, seen: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; seen:\n${seen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether 127.0.0.1:port can be bound right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const server = createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });
}

/**
 * A base port for web=2,worker=1 whose three ports (base, base+1, base+100) are free now. Below
 * the ephemeral range (32768 and up), where other tests' outgoing connections would take them.
 */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await canBind(base)) && (await canBind(base + 1)) && (await canBind(base + 100))) return base;
  }
  throw new Error('no free block of ports between 20000 and 32100');
}

/** supervisord in the foreground on a main config of `dir` that includes the exported .conf files. */
function startSupervisord(dir: string, confDir: string): { log: () => string; stop: () => Promise<void> } {
  const main = join(dir, 'supervisord.conf');
  writeFileSync(
    main,
    [
      '[supervisord]',
      'nodaemon=true',
      `logfile=${join(dir, 'supervisord.log')}`,
      `pidfile=${join(dir, 'supervisord.pid')}`,
      `childlogdir=${dir}`,
      // As root supervisord wants to be told so; as anyone else the line would be an error.
      ...(process.getuid?.() === 0 ? ['user=root'] : []),
      '[include]',
      `files = ${join(confDir, '*.conf')}`,
      '',
    ].join('\n'),
  );
  // TMPDIR: the release markers go to the test's own folder.
  const supervisord = spawn('supervisord', ['-n', '-c', main], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } });
  started.push(supervisord);
  let output = '';
  supervisord.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  supervisord.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((ok) => supervisord.on('exit', () => ok()));
  const log = (): string => {
    let text = output;
    try {
      text += readFileSync(join(dir, 'supervisord.log'), 'utf8');
    } catch {
      text += '(no supervisord.log yet)';
    }
    // The programs' own logs too: why one exited is in there.
    for (const name of readdirSync(dir).filter((f) => /-std(out|err)-.*\.log$/.test(f))) {
      text += `\n--- ${name} ---\n${readFileSync(join(dir, name), 'utf8')}`;
    }
    return text;
  };
  const stop = async (): Promise<void> => {
    supervisord.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`supervisord did not exit:\n${log()}`)), 30_000);
    });
    await Promise.race([exited, bound]).finally(() => clearTimeout(timer));
  };
  return { log, stop };
}

/** The name of the release program's log in childlogdir (supervisord adds a random part). */
function releaseLogName(dir: string): string {
  const name = readdirSync(dir).find((f) => /-release-stdout-.*\.log$/.test(f));
  assert.ok(name, `no release log in ${readdirSync(dir).join(' ')}`);
  return name;
}

test('supervisord runs the exported app exactly as dozen start would', { skip, timeout: 90_000 }, async () => {
  const marker = randomBytes(8).toString('hex');
  const basePort = await freeBasePort();
  const { instances, ctx, dir } = helloApp(basePort, marker);
  writeExport(ctx.outDir, renderSupervisord(instances, ctx), { force: false });

  const sup = startSupervisord(dir, ctx.outDir);
  const log = sup.log;
  // The release phase ran, as its own program, and succeeded.
  await waitFor('the release phase', () => (/exited: hello-release \(exit status 0; expected\)/.test(log()) ? true : undefined), 30_000, log);
  assert.match(readFileSync(join(dir, releaseLogName(dir)), 'utf8'), /release: preparing config ok/);

  // The web instances answer on their own ports, with the config's GREETING and their PS.
  for (const spec of instances.filter((s) => s.type === 'web')) {
    const port = spec.port ?? 0;
    const body = await waitFor(`${spec.name} on port ${port}`, () => httpGet(port).catch(() => undefined), 30_000, log);
    assert.equal(body, `${spec.env.GREETING} (${spec.name})\n`);
  }

  // Every app process (the node programs) starts with exactly its dozen environment.
  const nodes = await waitFor(
    'three node processes',
    () => {
      const all = [...markedProcesses(marker).values()].filter((p) => /(^|\/)node$/.test(p.argv[0] ?? ''));
      return all.length === instances.length ? all : undefined;
    },
    30_000,
    log,
  );
  for (const spec of instances) {
    const proc = nodes.find((p) => p.env.PS === spec.name);
    assert.ok(proc, `no process for ${spec.name}`);
    for (const [key, value] of Object.entries(spec.env)) assert.equal(proc.env[key], value, `${spec.name}: ${key}`);
  }

  // SIGTERM to supervisord stops the whole group and leaves no process behind.
  await sup.stop();
  const left = markedProcesses(marker);
  for (const pid of left.keys()) process.kill(pid, 'SIGKILL');
  assert.deepEqual([...left.values()].map((p) => p.argv.join(' ')), [], 'processes left after supervisord exited');
});

/** An app whose programs record, when they start, whether the release had finished. */
function orderedApp(releaseCommand: string): { instances: ProcessSpec[]; ctx: ExportContext; dir: string; out: string } {
  const dir = tempDir('supervisord-release');
  dirs.push(dir);
  const out = join(dir, 'out');
  const procfile = parseProcfile(
    [
      `release: ${releaseCommand}`,
      'web: if [ -e "$OUT/release-done" ]; then echo after > "$OUT/$PS"; else echo before > "$OUT/$PS"; fi; exec sleep 1000',
      'worker: if [ -e "$OUT/release-done" ]; then echo after > "$OUT/$PS"; else echo before > "$OUT/$PS"; fi; exec sleep 1000',
      '',
    ].join('\n'),
    'Procfile',
  );
  const config = { OUT: out, DOZEN_TEST_MARKER: randomBytes(8).toString('hex') };
  const { instances, releasePhase } = expandFormation({ entries: procfile.entries, formation: new Map([['web', 2], ['worker', 1]]), basePort: 5000, env: config, cwd: dir });
  const names = exportNames('ordered', ['web', 'worker']);
  const ctx: ExportContext = { ...names, root: dir, outDir: join(dir, 'conf.d'), timeoutSec: 5, user: undefined, image: undefined, releasePhase, config, basePort: 5000, listen: { host: undefined, port: 80 } };
  return { instances, ctx, dir, out };
}

test('under supervisord, the programs start only once a slow release phase has succeeded', { skip, timeout: 90_000 }, async () => {
  const { instances, ctx, dir, out } = orderedApp('mkdir -p "$OUT" && sleep 2 && : > "$OUT/release-done"');
  writeExport(ctx.outDir, renderSupervisord(instances, ctx), { force: false });
  const sup = startSupervisord(dir, ctx.outDir);
  try {
    const names = instances.map((s) => s.name);
    await waitFor('every program to record its start', () => (names.every((n) => existsSync(join(out, n))) ? true : undefined), 30_000, sup.log);
    for (const name of names) assert.equal(readFileSync(join(out, name), 'utf8'), 'after\n', `${name} started before the release finished`);
    assert.match(sup.log(), /exited: ordered-release \(exit status 0; expected\)/);
  } finally {
    await sup.stop();
  }
  assert.deepEqual([...markedProcesses(ctx.config.DOZEN_TEST_MARKER ?? '').keys()], []);
});

test('under supervisord, a failing release phase keeps the programs from running their commands', { skip, timeout: 90_000 }, async () => {
  const { instances, ctx, dir, out } = orderedApp('mkdir -p "$OUT" && exit 3');
  writeExport(ctx.outDir, renderSupervisord(instances, ctx), { force: false });
  const sup = startSupervisord(dir, ctx.outDir);
  try {
    await waitFor('the release to fail', () => (/exited: ordered-release \(exit status 3; not expected\)/.test(sup.log()) ? true : undefined), 30_000, sup.log);
    // supervisord retries each program (startretries) and then gives up on it.
    const names = instances.map((s) => s.name.replace('.', '-'));
    await waitFor('every program to give up', () => (names.every((n) => new RegExp(`gave up: ordered-${n} entered FATAL`).test(sup.log())) ? true : undefined), 60_000, sup.log);
    assert.deepEqual(readdirSync(out), [], 'a program ran its command');
  } finally {
    await sup.stop();
  }
});
