// What the router benchmark runs and reads: long-lived servers in their own process groups
// (backends, proxies, dozen), Debian's nginx in the foreground with a temporary prefix, wrk, and
// the CPU time and memory of each process tree from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { liveTree, readProcTable, rssKiB } from './procs.js';

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Where its stdout and stderr go. */
  logPath: string;
  exited: Promise<void>;
  hasExited: () => boolean;
}

/** Starts `argv` in its own process group, its output to `logPath`. */
export function startServer(name: string, argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; logPath: string }): Server {
  const fd = openSync(opts.logPath, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let over = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((over = true), resolve())));
  child.once('error', () => (over = true));
  if (child.pid === undefined) throw new Error(`${name}: could not start ${argv[0]}`);
  return { name, child, pid: child.pid, logPath: opts.logPath, exited, hasExited: () => over };
}

/** The status of GET / on 127.0.0.1:port, or undefined when nothing answers. */
export function status(port: number, timeoutMs = 1000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** Waits until `port` answers 200 `times` times in a row (the router: every upstream up). */
export async function answers(server: Server, port: number, opts: { timeoutMs?: number; times?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const t0 = performance.now();
  let inARow = 0;
  let last: number | undefined;
  while (performance.now() - t0 < timeoutMs) {
    if (server.hasExited()) throw new Error(`${server.name} exited before answering on ${port}:\n${tail(server.logPath)}`);
    last = await status(port);
    inARow = last === 200 ? inARow + 1 : 0;
    if (inARow >= (opts.times ?? 1)) return;
    if (last !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${server.name} did not answer 200 on ${port} within ${timeoutMs} ms (last: ${last ?? 'no answer'}):\n${tail(server.logPath)}`);
}

export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

/** SIGTERM to the server's process group (or to its pid only), SIGKILL to the group after 5 s. */
export async function stopServer(server: Server, opts: { groupTerm?: boolean } = {}): Promise<void> {
  if (!server.hasExited()) {
    signal(opts.groupTerm === false ? server.pid : -server.pid, 'SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  // Whatever is left in its group (a backend dozen did not stop, an nginx worker).
  signal(-server.pid, 'SIGKILL');
  await server.exited;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

// ---- nginx ----------------------------------------------------------------------------------

export function nginxVersion(): string | undefined {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return /nginx\/(\S+)/.exec(r.stderr)?.[1] ?? 'unknown';
}

/** The settings every nginx here shares: foreground, files in its prefix, no access log by default. */
function nginxMain(prefix: string, workers: string): string {
  return [
    `worker_processes ${workers};`,
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    'events { worker_connections 4096; }',
  ].join('\n');
}

function nginxHttp(prefix: string): string {
  return [
    `client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;`,
    `uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;`,
    'access_log off;',
  ].join('\n  ');
}

/** An nginx that answers every request on `port` with a 100-byte body: the cheapest web instance. */
export function startNginxBackend(dir: string, port: number): Server {
  const prefix = join(dir, `nginx-backend-${port}`);
  mkdirSync(prefix, { recursive: true });
  const body = `${'hello from a dozen web instance '.repeat(4).slice(0, 99)}`;
  const conf = `${nginxMain(prefix, '1')}
http {
  ${nginxHttp(prefix)}
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "${body}\\n"; }
  }
}
`;
  return startNginx(`nginx backend :${port}`, prefix, conf);
}

/**
 * nginx as the router: round-robin over `upstreams` with kept-alive upstream connections, the
 * headers dozen's router adds, and one access log line per request (buffered as dozen's router
 * batches its lines).
 */
export function startNginxProxy(dir: string, name: string, port: number, upstreams: number[], workers: string, accessLog: string): Server {
  const prefix = join(dir, name);
  mkdirSync(prefix, { recursive: true });
  const conf = `${nginxMain(prefix, workers)}
http {
  ${nginxHttp(prefix)}
  log_format router '$time_iso8601 method=$request_method path="$request_uri" status=$status upstream=$upstream_addr request_id=$request_id service=$upstream_response_time';
  upstream web {
    ${upstreams.map((p) => `server 127.0.0.1:${p};`).join(' ')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    access_log ${accessLog} router buffer=64k flush=1s;
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-ID $request_id;
      proxy_set_header X-Request-Start "t=\${msec}";
    }
  }
}
`;
  return startNginx(name, prefix, conf);
}

function startNginx(name: string, prefix: string, conf: string): Server {
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  // -e: the error log before the config is read (otherwise /var/log/nginx/error.log).
  return startServer(name, ['nginx', '-p', prefix, '-e', join(prefix, 'error.log'), '-c', confPath, '-g', 'daemon off;'], { cwd: prefix, logPath: join(prefix, 'out.log') });
}

// ---- wrk ------------------------------------------------------------------------------------

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers plus socket errors. */
  errors: number;
  /** wrk's own CPU time (user + system, ms). */
  cpuMs: number;
}

export function wrkVersion(): string | undefined {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return /wrk (\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
}

/** wrk -t1 -cN -dS --latency on GET /, run under sh so that `times` gives its CPU time. */
export function wrk(port: number, opts: { connections: number; seconds: number }): Promise<WrkResult> {
  const script = `wrk -t1 -c${opts.connections} -d${opts.seconds}s --latency http://127.0.0.1:${port}/ && times`;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}:\n${out}`));
      try {
        resolve(parseWrk(out));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp, what: string) => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk printed no ${what}:\n${out}`);
    return m;
  };
  const latency = (pct: string) => {
    const m = num(new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'), `${pct}% latency`);
    return Number(m[1]) * UNIT_MS[m[2]!]!;
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  // `times`: the shell's own user and system time, then its children's (wrk's).
  const times = [...out.matchAll(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/g)];
  const children = times[times.length - 1];
  const sec = (m: string, s: string) => Number(m) * 60 + Number(s);
  return {
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/, 'requests/sec')[1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors: (non2xx ? Number(non2xx[1]) : 0) + (socket ? socket.slice(1).reduce((n, x) => n + Number(x), 0) : 0),
    cpuMs: children ? (sec(children[1]!, children[2]!) + sec(children[3]!, children[4]!)) * 1000 : NaN,
  };
}

// ---- CPU and memory from /proc --------------------------------------------------------------

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system, ms) of a process, 0 if it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // After ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return 0;
    throw err;
  }
}

/** CPU time (ms) of each live process in the trees of `roots`, by pid. */
export function treeCpu(roots: number[]): Map<number, number> {
  const table = readProcTable();
  const out = new Map<number, number>();
  for (const root of roots) for (const p of liveTree(root, table)) out.set(p.pid, cpuMsOf(p.pid));
  return out;
}

/** CPU used between two snapshots of the same trees (ms); processes new in `after` count from 0. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/** The whole machine's busy CPU time (ms, every core), from /proc/stat. */
export function machineBusyMs(): number {
  const first = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal ...
  const f = first.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
  return busy * TICK_MS;
}

/** Resident memory (MiB) of a process, or of it and the processes below it. */
export function rssMiB(pid: number, tree = false): number {
  const pids = tree ? liveTree(pid).map((p) => p.pid) : [pid];
  return pids.reduce((n, p) => n + rssKiB(p), 0) / 1024;
}
