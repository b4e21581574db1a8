// `npm run bench:router`: the router benchmark of issue 12. Two web instances (a tiny node:http
// server, or nginx answering `return 200`, each on its own port) and, in alternation, wrk with
// 32 keep-alive connections for 5 s against:
//   direct       one web instance, no proxy;
//   nginx        Debian's nginx as the reverse proxy (1 worker, and `auto`);
//   http-proxy   the most used Node.js proxy;
//   proto-*      the prototypes of bench/router-prototypes/, to choose how the router is built;
//   dozen        `bin/dozen start -m web=2 --router`, once the router exists (skipped before).
// Every proxy round-robins over both instances, adds X-Forwarded-For/Proto/Port, X-Request-ID and
// X-Request-Start, and logs one line per request. CPU time of wrk, the proxy and the instances is
// read from /proc around each run. Writes docs/benchmarks-router.md. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFreePort } from '../src/platform/free-port.js';
import { pickList, positive } from './cli-args.js';
import { REPO_ROOT } from './managers.js';
import { renderRouterReport, TARGETS, type BackendKind, type RouterResults, type RunSample, type TargetId } from './router-report.js';
import {
  answers,
  cpuBetween,
  machineBusyMs,
  nginxVersion,
  rssMiB,
  startNginxBackend,
  startNginxProxy,
  startServer,
  stopServer,
  treeCpu,
  wrk,
  wrkVersion,
  type Server,
} from './router-procs.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    backends: { type: 'string', default: 'node,nginx' },
    /** Before each run, wait (up to a minute) until the machine is at most this busy (% of a core, over 1 s). */
    'quiet-below': { type: 'string', default: '25' },
    targets: { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs/benchmarks-router.md') },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    /** Re-render the page from the raw results a previous run saved, without running anything. */
    from: { type: 'string' },
  },
});

const runs = positive('--runs', values.runs!);
const seconds = positive('--seconds', values.seconds!);
const connections = positive('--connections', values.connections!);
const quietBelow = Number(values['quiet-below']);
if (!(quietBelow >= 0)) throw new Error(`--quiet-below: expected a percentage of a core, got "${values['quiet-below']}"`);
const backendKinds = pickList('--backends', values.backends!, ['node', 'nginx'] as const);
const wantedTargets = pickList('--targets', values.targets, TARGETS.map((t) => t.id));

const PROTOTYPES = join(REPO_ROOT, 'dist/bench/router-prototypes');
const BACKEND_JS = join(PROTOTYPES, 'backend.js');
const DOZEN = join(REPO_ROOT, 'bin/dozen');
const DOZEN_BUNDLE = join(REPO_ROOT, 'dist/bundle/dozen.js');

/** Why dozen's router cannot be measured here, or undefined when it can. */
function dozenRouterMissing(): string | undefined {
  if (!existsSync(DOZEN_BUNDLE)) return 'dist/bundle/dozen.js is not built: run `npm run build` first';
  const help = spawnSync(DOZEN, ['start', '--help'], { encoding: 'utf8' });
  if (!/--router\b/.test(help.stdout)) return '`dozen start` has no --router flag in this build (the router of issue 12 has not landed, or `npm run build` is needed)';
  if (sourceNewerThanBundle()) console.log('warning: src/ is newer than dist/bundle/dozen.js: run `npm run build` to measure the router as it is now');
  return undefined;
}

function sourceNewerThanBundle(): boolean {
  const r = spawnSync('find', [join(REPO_ROOT, 'src'), '-name', '*.ts', '-newer', DOZEN_BUNDLE], { encoding: 'utf8' });
  return r.stdout.trim() !== '';
}

const isDozen = (id: TargetId) => id === 'dozen' || id === 'dozen-no-store';

/** A running target: the port wrk hits, the pids whose CPU is the proxy's and the instances'. */
interface Running {
  port: number;
  /** The proxy's own process (and below it, unless `proxyOnlyPid`), none for direct. */
  proxy?: Server;
  /** dozen: the router is dozen's own process; the processes below it are the instances. */
  proxyOnlyPid?: boolean;
  /** The pids whose trees are the instances serving this target. */
  backendPids: () => number[];
  /** The proxy's resident memory once it answered, before any load (MiB). */
  startRssMiB?: number;
  stop: () => Promise<void>;
}

interface Backends {
  ports: number[];
  servers: Server[];
}

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

async function startBackends(kind: BackendKind, dir: string): Promise<Backends> {
  const ports = [await kernelFreePort(), await kernelFreePort()];
  const servers = ports.map((port, i) =>
    kind === 'node'
      ? startServer(`backend ${i + 1}`, [process.execPath, BACKEND_JS], { cwd: dir, env: { ...process.env, PORT: String(port) }, logPath: join(dir, `backend-${port}.log`) })
      : startNginxBackend(dir, port),
  );
  for (const [i, server] of servers.entries()) await answers(server, ports[i]!);
  return { ports, servers };
}

const NODE_PROXIES: Partial<Record<TargetId, string>> = {
  'http-proxy': 'http-proxy-peer.js',
  'proto-a': 'proxy-a-http.js',
  'proto-b': 'proxy-b-undici-request.js',
  'proto-c': 'proxy-c-undici-dispatch.js',
};

/** The app dozen runs: its web process is the same backend, on the $PORT dozen gives it. */
function dozenApp(kind: BackendKind, dir: string, name: string): string {
  const app = join(dir, name);
  mkdirSync(app, { recursive: true });
  if (kind === 'node') {
    writeFileSync(join(app, 'Procfile'), `web: exec ${process.execPath} ${BACKEND_JS}\n`);
  } else {
    // nginx `return 200` on $PORT, its prefix in the app folder (one per port).
    const body = 'hello from a dozen web instance '.repeat(4).slice(0, 99);
    writeFileSync(
      join(app, 'nginx-web.sh'),
      `set -e
p="$PWD/nginx-$PORT"; mkdir -p "$p"
cat > "$p/nginx.conf" <<EOF
worker_processes 1; pid $p/nginx.pid; error_log $p/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $p/body; proxy_temp_path $p/proxy; fastcgi_temp_path $p/fastcgi; uwsgi_temp_path $p/uwsgi; scgi_temp_path $p/scgi;
  access_log off;
  server { listen 127.0.0.1:$PORT; location / { default_type text/plain; return 200 "${body}\\\\n"; } }
}
EOF
exec nginx -p "$p" -e "$p/error.log" -c "$p/nginx.conf" -g 'daemon off;'
`,
    );
    writeFileSync(join(app, 'Procfile'), 'web: sh nginx-web.sh\n');
  }
  return app;
}

async function startTarget(id: TargetId, kind: BackendKind, backends: Backends, dir: string): Promise<Running> {
  const backendPids = () => backends.servers.map((s) => s.pid);
  if (id === 'direct') return { port: backends.ports[0]!, backendPids: () => [backends.servers[0]!.pid], stop: async () => {} };
  const port = await kernelFreePort();
  const accessLog = join(dir, `${id}-access.log`);
  let proxy: Server;
  if (id === 'nginx-1' || id === 'nginx-auto') {
    proxy = startNginxProxy(dir, id, port, backends.ports, id === 'nginx-1' ? '1' : 'auto', accessLog);
  } else if (id === 'dozen' || id === 'dozen-no-store') {
    const app = dozenApp(kind, dir, id);
    const base = await kernelFreePort();
    const argv = [DOZEN, 'start', '-d', app, '-m', 'web=2', '-p', String(base), '--router', `127.0.0.1:${port}`, '--no-color', ...(id === 'dozen' ? [] : ['--no-log-store'])];
    proxy = startServer(id, argv, { cwd: app, logPath: join(dir, `${id}.log`) });
    await answers(proxy, port, { times: 20, timeoutMs: 30_000 });
    return {
      port,
      proxy,
      proxyOnlyPid: true,
      startRssMiB: rssMiB(proxy.pid),
      backendPids: () => [proxy.pid], // its tree minus its own pid: see cpuOf
      // SIGTERM to dozen only: it stops its own processes.
      stop: () => stopServer(proxy, { groupTerm: false }),
    };
  } else {
    const script = join(PROTOTYPES, NODE_PROXIES[id]!);
    const env = { ...process.env, PROXY_PORT: String(port), UPSTREAMS: backends.ports.map((p) => `127.0.0.1:${p}`).join(','), ACCESS_LOG: accessLog };
    proxy = startServer(id, [process.execPath, script], { cwd: dir, env, logPath: join(dir, `${id}.log`) });
  }
  await answers(proxy, port, { times: 4 });
  return { port, proxy, backendPids, startRssMiB: rssMiB(proxy.pid, true), stop: () => stopServer(proxy) };
}

/** CPU time (ms) of the proxy and of the instances, from snapshots of their process trees. */
function cpuSnapshot(target: Running): { proxy: Map<number, number>; backends: Map<number, number> } {
  if (target.proxyOnlyPid) {
    const all = treeCpu([target.proxy!.pid]);
    const proxy = new Map([[target.proxy!.pid, all.get(target.proxy!.pid) ?? 0]]);
    all.delete(target.proxy!.pid);
    return { proxy, backends: all };
  }
  return { proxy: target.proxy ? treeCpu([target.proxy.pid]) : new Map(), backends: treeCpu(target.backendPids()) };
}

/**
 * Waits until the machine, with our servers idle, is at most `quietBelow`% of a core busy over a
 * second (other work on a shared machine), for at most 30 s. Returns how busy it last was.
 */
async function quiet(): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const before = machineBusyMs();
    const start = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const busyPct = ((machineBusyMs() - before) / (performance.now() - start)) * 100;
    if (busyPct <= quietBelow || performance.now() - t0 > 30_000) return busyPct;
  }
}

async function measure(target: Running): Promise<Omit<RunSample, 'round' | 'backend' | 'target'>> {
  const busyBeforePct = await quiet();
  const before = cpuSnapshot(target);
  const busyBefore = machineBusyMs();
  const t0 = performance.now();
  // The proxy's memory, sampled while wrk runs; the largest sample.
  let rss = 0;
  const sampler = setInterval(() => {
    if (target.proxy) rss = Math.max(rss, rssMiB(target.proxy.pid, !target.proxyOnlyPid));
  }, 500);
  let result;
  try {
    result = await wrk(target.port, { connections, seconds });
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - t0;
  const busy = machineBusyMs() - busyBefore;
  const after = cpuSnapshot(target);
  const proxyMs = cpuBetween(before.proxy, after.proxy);
  const backendMs = cpuBetween(before.backends, after.backends);
  const pct = (ms: number) => (ms / wallMs) * 100;
  return {
    rps: result.rps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    cpu: {
      wrk: pct(result.cpuMs),
      proxy: pct(proxyMs),
      backends: pct(backendMs),
      // Everything else on the machine: the other users' load, this harness, the kernel's share not charged to a process.
      other: Math.max(0, pct(busy - result.cpuMs - proxyMs - backendMs)),
    },
    proxyRssMiB: target.proxy ? rss : undefined,
    proxyStartRssMiB: target.startRssMiB,
    busyBeforePct,
  };
}

interface Saved {
  command: string;
  date: string;
  results: RouterResults;
  errors: string[];
  skipped: string[];
  loadBefore: string;
  loadAfter: string;
  runs: number;
  seconds: number;
  connections: number;
  versions: Record<string, string>;
}

const measuring = process.argv.slice(2).filter((a, i, all) => !['--no-write', '--keep', '--out', '--from'].includes(a) && !['--out', '--from'].includes(all[i - 1] ?? ''));
let saved: Saved;
if (values.from) {
  saved = JSON.parse(readFileSync(values.from, 'utf8')) as Saved;
} else {
  saved = await runAll();
  const rawPath = join(tmpdir(), 'dozen-router-bench-results.json');
  writeFileSync(rawPath, JSON.stringify(saved));
  console.log(`raw results saved to ${rawPath} (re-render with --from ${rawPath})`);
}

async function runAll(): Promise<Saved> {
  const versions: Record<string, string> = { node: process.versions.node };
  const skipped: string[] = [];
  const wrkV = wrkVersion();
  if (wrkV === undefined) throw new Error('wrk is not installed (apt-get install wrk)');
  versions.wrk = wrkV;
  const nginxV = nginxVersion();
  if (nginxV !== undefined) versions.nginx = nginxV;
  versions['http-proxy'] = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/http-proxy/package.json'), 'utf8')).version as string;
  versions.undici = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/undici/package.json'), 'utf8')).version as string;
  let targets = wantedTargets.filter((id) => {
    if ((id === 'nginx-1' || id === 'nginx-auto') && nginxV === undefined) {
      skipped.push(`${id}: nginx is not installed (apt-get install nginx)`);
      return false;
    }
    return true;
  });
  if (targets.some(isDozen)) {
    const why = dozenRouterMissing();
    if (why) {
      skipped.push(`dozen: ${why}`);
      console.log(`skipping dozen's router: ${why}`);
      targets = targets.filter((id) => !isDozen(id));
    } else {
      versions.dozen = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    }
  }
  let kinds = backendKinds;
  if (nginxV === undefined && kinds.includes('nginx')) {
    skipped.push('nginx backends: nginx is not installed');
    kinds = kinds.filter((k) => k !== 'nginx');
  }

  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const results: RouterResults = [];
  const errors: string[] = [];
  let interrupted = false;
  process.once('SIGINT', () => (interrupted = true));

  for (const kind of kinds) {
    if (interrupted) break;
    const dir = tempDir(`dozen-router-bench-${kind}-`);
    const backends = await startBackends(kind, dir);
    const running = new Map<TargetId, Running>();
    try {
      for (const id of targets) {
        try {
          running.set(id, await startTarget(id, kind, backends, dir));
        } catch (err) {
          errors.push(`${kind} backends, ${id}: ${(err as Error).message}`);
          console.log(`${kind} backends, ${id} did not start: ${(err as Error).message}`);
        }
      }
      const ids = [...running.keys()];
      // Warm-up, not counted: the JIT of each Node.js proxy, the upstream connections.
      for (const id of ids) await wrk(running.get(id)!.port, { connections, seconds: 2 });
      for (let round = 0; round < runs && !interrupted; round++) {
        // Rotate the order each round, so that no target always runs right after another.
        const order = ids.map((_, i) => ids[(i + round) % ids.length]!);
        for (const id of order) {
          try {
            const sample = await measure(running.get(id)!);
            results.push({ backend: kind, target: id, round, ...sample });
            const cpu = sample.cpu;
            console.log(
              `${kind} #${round + 1} ${id}: ${sample.rps.toFixed(0)} req/s, p50 ${sample.p50Ms.toFixed(2)} ms, p99 ${sample.p99Ms.toFixed(2)} ms, errors ${sample.errors}; ` +
                `machine ${sample.busyBeforePct.toFixed(0)}% busy before; CPU % of a core: wrk ${cpu.wrk.toFixed(0)}, proxy ${cpu.proxy.toFixed(0)}, instances ${cpu.backends.toFixed(0)}, other ${cpu.other.toFixed(0)}` +
                (sample.proxyRssMiB !== undefined ? `; proxy RSS ${sample.proxyRssMiB.toFixed(1)} MiB` : ''),
            );
          } catch (err) {
            errors.push(`${kind} #${round + 1} ${id}: ${(err as Error).message}`);
            console.log(`${kind} #${round + 1} ${id} failed: ${(err as Error).message}`);
          }
        }
      }
    } finally {
      for (const target of running.values()) await target.stop();
      for (const server of backends.servers) await stopServer(server);
    }
  }
  for (const dir of temps.splice(0)) {
    if (values.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const command = `npm run bench:router${measuring.length > 0 ? ` -- ${measuring.join(' ')}` : ''}`;
  const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
  return { command, date, results, errors, skipped, loadBefore, loadAfter, runs, seconds, connections, versions };
}

const cpu = cpus();
const analysisPath = join(REPO_ROOT, 'bench/router-analysis.md');
const report = renderRouterReport(saved.results, {
  ...saved,
  machine: [
    `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}`,
    `load average before: ${saved.loadBefore}; after: ${saved.loadAfter} (the machine was shared with other work)`,
  ],
  analysis: existsSync(analysisPath) ? readFileSync(analysisPath, 'utf8') : undefined,
});
console.log(`\n${report}`);
if (!values['no-write']) {
  writeFileSync(values.out!, report);
  console.log(`wrote ${values.out}`);
}
