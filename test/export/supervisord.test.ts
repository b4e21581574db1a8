// supervisord really runs the exported example app: the web instances answer on their ports,
// every process starts with exactly the environment `dozen start` would give it (read from
// /proc/PID/environ, hostile values included), and SIGTERM to supervisord leaves nothing behind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
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
import { freePort, hasTool, hostileConfig, missingToolReason, resolveRepo, tempDir } from './fixtures.js';

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

test('supervisord runs the exported app exactly as dozen start would', { skip, timeout: 90_000 }, async () => {
  const marker = randomBytes(8).toString('hex');
  // A free base port whose block (base..base+101) is very likely free too.
  const basePort = Math.min(await freePort(), 65_000);
  const { instances, ctx, dir } = helloApp(basePort, marker);
  writeExport(ctx.outDir, renderSupervisord(instances, ctx), { force: false });

  // The release phase, run as the .conf's comment says.
  const confText = readFileSync(join(ctx.outDir, 'hello.conf'), 'utf8');
  const releaseLine = /^;\s+(\/bin\/sh .* release .*)$/m.exec(confText)?.[1];
  assert.ok(releaseLine, confText);
  const release = spawnSync('/bin/sh', ['-c', releaseLine], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(release.status, 0, release.stderr);
  assert.match(release.stdout, /release: preparing config ok/);

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
      `files = ${join(ctx.outDir, '*.conf')}`,
      '',
    ].join('\n'),
  );
  const supervisord = spawn('supervisord', ['-n', '-c', main], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    return text;
  };

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
  supervisord.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`supervisord did not exit:\n${log()}`)), 30_000);
  });
  await Promise.race([exited, bound]).finally(() => clearTimeout(timer));
  const left = markedProcesses(marker);
  for (const pid of left.keys()) process.kill(pid, 'SIGKILL');
  assert.deepEqual([...left.values()].map((p) => p.argv.join(' ')), [], 'processes left after supervisord exited');
});
