// The process managers compared, each told how to run the same little app. Every manager runs in
// its default output mode; the app is a list of named shell commands, optionally with a PORT.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { shellQuote } from '../src/env/shell-quote.js';

export interface AppProc {
  /** A process type: lowercase letters and digits. */
  name: string;
  /** A shell command line. */
  command: string;
}

export interface App {
  procs: AppProc[];
  /** PORT for the first process (the managers that assign ports count up from it). */
  port?: number;
}

export interface Launch {
  argv: string[];
  env?: Record<string, string>;
}

export interface Manager {
  id: string;
  /** Shown in tables, with the version found. */
  label: string;
  /** Where to get it when missing. */
  install: string;
  /** Is it here? Its version, or undefined. */
  detect(): string | undefined;
  /** Write its config into `dir` (the working directory) and say how to start it. */
  prepare(dir: string, app: App): Launch;
}

/** The repository root (bench/ compiles to dist/bench/). */
export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);
const NODE_FLOOR = join(REPO_ROOT, 'dist/bench/node-floor.js');

function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, bin);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
    }
  }
  return undefined;
}

/** `bin args` -> its first line of output matching a version, or 'unknown'. */
function versionOf(bin: string, args: string[]): string {
  try {
    const out = execFileSync(bin, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /\d+\.\d+(\.\d+)?/.exec(out)?.[0] ?? 'unknown';
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

function procfile(dir: string, app: App): void {
  writeFileSync(join(dir, 'Procfile'), app.procs.map((p) => `${p.name}: ${p.command}\n`).join(''));
}

const portEnv = (app: App): Record<string, string> => (app.port === undefined ? {} : { PORT: String(app.port) });

/**
 * Another build of dozen to compare with in the same run (a regression check): the checkout in
 * DOZEN_BENCH_BASELINE, built with `npm run build` there.
 */
const BASELINE = process.env.DOZEN_BENCH_BASELINE;

/** dozen as users run it: the package's launcher, which runs the bundle `npm run build` writes. */
function dozen(id: string, label: string, extra: string[], root = REPO_ROOT): Manager {
  const bin = join(root, 'bin/dozen');
  return {
    id,
    label,
    install: root === REPO_ROOT ? 'npm run build' : `set DOZEN_BENCH_BASELINE to a built checkout of dozen`,
    detect: () => (existsSync(join(root, 'dist/bundle/main.js')) ? versionOf(bin, ['--version']) : undefined),
    prepare(dir, app) {
      procfile(dir, app);
      const argv = [bin, 'start', '-f', 'Procfile', '--can-die', app.procs.map((p) => p.name).join(','), ...extra];
      if (app.port !== undefined) argv.push('-p', String(app.port));
      return { argv };
    },
  };
}

export const MANAGERS: Manager[] = [
  {
    id: 'sh',
    label: 'plain sh',
    install: 'always present',
    detect: () => (which('sh') ? 'POSIX sh' : undefined),
    prepare(dir, app) {
      // `sh -c` per process, as a Procfile manager runs it.
      const lines = app.procs.map((p) => `sh -c ${shellQuote(p.command)} &\n`).join('');
      writeFileSync(join(dir, 'run.sh'), `${lines}wait\n`);
      return { argv: ['sh', 'run.sh'], env: portEnv(app) };
    },
  },
  dozen('dozen', 'dozen', []),
  // The same without the searchable log store (its SQLite writer thread), to show what it costs.
  dozen('dozen-no-store', 'dozen --no-log-store', ['--no-log-store']),
  ...(BASELINE ? [dozen('dozen-baseline', `dozen (baseline build in ${BASELINE})`, [], BASELINE)] : []),
  {
    // Not a peer: the least any Node.js manager does (bench/node-floor.ts), to show what Node costs.
    id: 'node-floor',
    label: 'bare Node.js program (reference)',
    install: 'npm run build',
    detect: () => (existsSync(NODE_FLOOR) ? process.versions.node : undefined),
    prepare(_dir, app) {
      return { argv: [process.execPath, NODE_FLOOR, JSON.stringify(app.procs.map((p) => p.command))], env: portEnv(app) };
    },
  },
  {
    id: 'foreman',
    label: 'foreman (Ruby)',
    install: 'apt-get install ruby-foreman',
    detect: () => (which('foreman') ? versionOf('foreman', ['version']) : undefined),
    prepare(dir, app) {
      procfile(dir, app);
      return { argv: ['foreman', 'start', '-f', 'Procfile', ...(app.port === undefined ? [] : ['-p', String(app.port)])] };
    },
  },
  {
    id: 'node-foreman',
    label: 'node-foreman',
    install: 'npm install -g foreman',
    detect: () => (which('nf') ? versionOf('nf', ['--version']) : undefined),
    prepare(dir, app) {
      procfile(dir, app);
      return { argv: ['nf', 'start', '-j', 'Procfile', ...(app.port === undefined ? [] : ['-p', String(app.port)])] };
    },
  },
  {
    id: 'concurrently',
    label: 'concurrently',
    install: 'npm install -g concurrently',
    detect: () => (which('concurrently') ? versionOf('concurrently', ['--version']) : undefined),
    prepare(_dir, app) {
      return {
        argv: ['concurrently', '-n', app.procs.map((p) => p.name).join(','), ...app.procs.map((p) => p.command)],
        env: portEnv(app),
      };
    },
  },
  {
    id: 'supervisord',
    label: 'supervisord',
    install: 'apt-get install supervisor',
    detect: () => (which('supervisord') ? versionOf('supervisord', ['--version']) : undefined),
    prepare(dir, app) {
      // Foreground, programs' output to supervisord's stdout (the usual container setup).
      const env = app.port === undefined ? '' : `environment=PORT="${app.port}"\n`;
      const programs = app.procs
        .map(
          (p) =>
            // supervisord splits `command` like a POSIX shell and expands %(...)s, so % is doubled.
            `[program:${p.name}]\ncommand=/bin/sh -c ${shellQuote(p.command).replace(/%/g, '%%')}\ndirectory=${dir}\nautorestart=false\n` +
            `startsecs=0\nstdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true\n${env}`,
        )
        .join('\n');
      const conf =
        `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\n` +
        `childlogdir=${dir}\n\n${programs}`;
      writeFileSync(join(dir, 'supervisord.conf'), conf);
      return { argv: ['supervisord', '-n', '-c', join(dir, 'supervisord.conf')] };
    },
  },
  {
    id: 'pm2',
    label: 'PM2 (pm2-runtime)',
    install: 'npm install -g pm2',
    detect: () => (which('pm2-runtime') ? versionOf('pm2-runtime', ['--version']) : undefined),
    prepare(dir, app) {
      const apps = app.procs.map((p) => ({
        name: p.name,
        script: '/bin/sh',
        args: ['-c', p.command],
        interpreter: 'none',
        cwd: dir,
        autorestart: false,
        env: portEnv(app),
      }));
      writeFileSync(join(dir, 'apps.json'), JSON.stringify({ apps }, null, 2));
      // Its own home, so a user's PM2 daemon and state are never touched.
      return { argv: ['pm2-runtime', 'start', 'apps.json'], env: { PM2_HOME: join(dir, '.pm2') } };
    },
  },
];

