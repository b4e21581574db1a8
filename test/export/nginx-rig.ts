// Runs the real nginx on an exported site, as any user: a minimal nginx.conf in a temp prefix
// (pid, error log, temp paths and the site's access log all inside it) includes the site inside
// http {}, as Debian's nginx.conf includes sites-enabled/.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { hasTool, tempDir } from './fixtures.js';

/** nginx on PATH, or Debian's /usr/sbin/nginx (not on a normal user's PATH). */
export function findNginx(): string | undefined {
  if (hasTool('nginx')) return 'nginx';
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined;
}

export interface NginxPrefix {
  dir: string;
  conf: string;
  /** Where the site's access log goes instead of /var/log/nginx/. */
  accessLog: string;
}

/** A temp prefix holding nginx.conf and the site (its access log moved into the prefix). */
export function nginxPrefix(site: string, app: string): NginxPrefix {
  const dir = tempDir('nginx');
  const temp = join(dir, 'temp');
  mkdirSync(temp);
  writeFileSync(join(dir, 'site.conf'), site.replace(`/var/log/nginx/${app}.access.log`, join(dir, `${app}.access.log`)));
  const conf = join(dir, 'nginx.conf');
  // One process (no master and workers): stopping it stops all of nginx, and nothing is orphaned.
  writeFileSync(
    conf,
    `master_process off;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 64; }
http {
    access_log off;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(temp, kind)};\n`).join('')}    include ${join(dir, 'site.conf')};
}
`,
  );
  return { dir, conf, accessLog: join(dir, `${app}.access.log`) };
}

/** `nginx -t` on the prefix; `-e stderr` keeps nginx off /var/log/nginx before it reads the config. */
export function nginxCheck(bin: string, prefix: NginxPrefix): SpawnSyncReturns<string> {
  return spawnSync(bin, ['-t', '-e', 'stderr', '-p', prefix.dir, '-c', prefix.conf], { encoding: 'utf8', timeout: 10_000 });
}

export interface RunningNginx {
  child: ChildProcess;
  /** What nginx printed so far (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts nginx in the foreground and waits (at most 10 s) until `port` accepts connections. */
export async function startNginx(bin: string, prefix: NginxPrefix, port: number): Promise<RunningNginx> {
  const child = spawn(bin, ['-e', 'stderr', '-p', prefix.dir, '-c', prefix.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const running: RunningNginx = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await running.stop();
      throw new Error(`nginx did not listen on 127.0.0.1:${port} (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return running;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}
