// Factor X, Dev/prod parity: the web process is the server production runs, and the config
// turns on no development mode (debug pages, reloaders, unminified builds).
import type { AppFacts, Check, Finding } from '../types.js';
import { count, passed, problem } from './findings.js';
import { procfileCheck } from './procfile-check.js';
import { procfileCommands, programName, scriptWords } from './shell-words.js';

export interface DevServer {
  /** What was recognized (`manage.py runserver`). */
  tool: string;
  fix: string;
  /** Certainly a development server (fail for `web`), or one not meant for production (warn). */
  certain: boolean;
}

const SERVE_BUILD = 'build the assets at build time and serve them with a production server (or the framework\'s start command)';
const RUNNERS = new Set(['npm', 'yarn', 'pnpm', 'bun']);
const DEV_SCRIPTS = /^(dev|develop|watch|serve:dev|start:dev|dev:.*)$/;
const WATCHERS = new Set(['nodemon', 'ts-node-dev', 'node-dev', 'air', 'reflex', 'watchexec', 'entr', 'watchmedo']);

/** The development server (or watcher) a simple command's words start, if any. */
export function devServer(words: readonly string[]): DevServer | undefined {
  const program = programName(words);
  const [tool = '', a = '', b = ''] = scriptWords(words);
  const dev = (name: string, fix: string, certain = true): DevServer => ({ tool: name, fix, certain });
  if (WATCHERS.has(tool)) return dev(tool, 'run the program itself (`node server.js`): restarts are the supervisor\'s job');
  if (words.includes('--watch') && /^(node|bun|deno|webpack)$/.test(program)) return dev(`${program} --watch`, 'drop --watch: restarts are the supervisor\'s job');
  if ((tool === 'manage.py' || tool === 'django-admin') && a === 'runserver') return dev(`${tool} runserver`, 'run a WSGI server: gunicorn PROJECT.wsgi');
  if (tool === 'flask' && a === 'run') return dev('flask run', 'run a WSGI server: gunicorn app:app');
  if (/^(uvicorn|hypercorn|gunicorn|daphne)$/.test(tool) && words.includes('--reload')) return dev(`${tool} --reload`, 'drop --reload: the reloader watches files for development');
  if (tool === 'webpack' && a === 'serve') return dev('webpack serve', SERVE_BUILD);
  if (tool === 'webpack-dev-server' || tool === 'react-scripts' && a === 'start') return dev(tool === 'react-scripts' ? 'react-scripts start' : tool, SERVE_BUILD);
  if (tool === 'vite') return a === 'preview' ? dev('vite preview', `${SERVE_BUILD}: vite preview is not a production server`, false) : a === '' || a === 'dev' || a === 'serve' || a.startsWith('-') ? dev('vite', SERVE_BUILD) : undefined;
  if (/^(next|nuxt|nuxi|astro|remix)$/.test(tool) && a === 'dev') return dev(`${tool} dev`, `${tool} build at build time, ${tool} start to run`);
  if ((tool === 'gatsby' && a === 'develop') || (/^(ng|ember|vue-cli-service)$/.test(tool) && a === 'serve')) return dev(`${tool} ${a}`, SERVE_BUILD);
  if (tool === 'parcel' && (a === '' || a === 'serve' || a === 'watch' || !/^build$/.test(a) && a.endsWith('.html'))) return dev('parcel', SERVE_BUILD);
  if (RUNNERS.has(tool) && (DEV_SCRIPTS.test(a) || (a === 'run' && DEV_SCRIPTS.test(b)))) return dev([tool, a, a === 'run' ? b : ''].join(' ').trim(), 'run the production start script (npm start), with the build made at build time');
  if (tool === 'rails' && (a === 'server' || a === 's') && /(^|\s)(-e\s*|--environment[= ])(development|dev)\b/.test(words.join(' '))) return dev('rails server -e development', 'run with RAILS_ENV=production (from the config)');
  if (tool === 'php' && (words.includes('-S') || a === 'artisan' && b === 'serve')) return dev(words.includes('-S') ? 'php -S' : 'php artisan serve', 'run behind a production server (php-fpm)');
  if ((tool === 'jekyll' || tool === 'hugo') && (a === 'serve' || a === 'server')) return dev(`${tool} ${a}`, SERVE_BUILD);
  if (tool === 'http.server' || tool === 'SimpleHTTPServer') return dev(`python -m ${tool}`, 'serve with a production server (nginx, or the app\'s own)', false);
  if (tool === 'cargo' && a === 'watch') return dev('cargo watch', 'run the built binary');
  return undefined;
}

export const devServerAsWeb = procfileCheck({
  id: 'parity.dev-server',
  factor: 'X',
  pass: 'no development server in the Procfile',
  withRelease: true,
  problems: (entry) =>
    entry.commands.flatMap((c) => {
      const found = devServer(c.words);
      if (found === undefined) return [];
      const status = entry.name === 'web' && found.certain ? 'fail' : 'warn';
      return [{ status, message: `"${entry.name}" runs a development server: ${found.tool}`, fix: found.fix }];
    }),
});

const TRUTHY = /^(1|true|yes|on)$/i;
const DEV_NAME = /^(development|develop|dev|local)$/i;
const DEBUG_KEYS = new Set(['DEBUG', 'DJANGO_DEBUG', 'FLASK_DEBUG', 'APP_DEBUG', 'RAILS_DEBUG']);
const MODE_KEYS = new Set(['NODE_ENV', 'RAILS_ENV', 'RACK_ENV', 'FLASK_ENV', 'APP_ENV', 'DJANGO_ENV', 'MIX_ENV', 'GO_ENV', 'ENVIRONMENT', 'ASPNETCORE_ENVIRONMENT', 'ENV']);

/** Whether `KEY=value` turns on a development mode. */
export function isDevSwitch(key: string, value: string): boolean {
  const v = value.trim();
  if (DEBUG_KEYS.has(key)) return TRUTHY.test(v);
  if (MODE_KEYS.has(key)) return DEV_NAME.test(v);
  if (key === 'DJANGO_SETTINGS_MODULE') return /\.(dev|development|local|settings_dev|dev_settings)$/.test(v);
  return false;
}

export const devSwitchInConfig: Check<AppFacts> = {
  id: 'parity.dev-switch',
  factor: 'X',
  run(facts) {
    const findings: Finding[] = [];
    const fix = 'set development switches only where you develop (an untracked .env.local, your shell), not in the config every deploy gets';
    for (const file of facts.envFiles) {
      for (const e of file.entries) {
        if (!isDevSwitch(e.key, e.value)) continue;
        findings.push(problem('parity.dev-switch', 'warn', `the config turns on a development mode: ${e.key}`, `${e.key}=${e.value}`, fix, { file: file.path, line: e.line }));
      }
    }
    for (const entry of procfileCommands(facts.procfile)) {
      for (const assignment of entry.commands.flatMap((c) => c.assignments)) {
        const [key = '', value = ''] = assignment.split(/=(.*)/s);
        if (!isDevSwitch(key, value.replace(/^(["'])(.*)\1$/, '$2'))) continue;
        findings.push(problem('parity.dev-switch', 'warn', `"${entry.name}" turns on a development mode: ${key}`, assignment, fix, { file: facts.procfile?.path, line: entry.line }));
      }
    }
    if (findings.length > 0) return findings;
    const keys = facts.envFiles.reduce((n, f) => n + f.entries.length, 0);
    return [passed('parity.dev-switch', 'no development switch in the config', `${count(keys, 'value')} in ${count(facts.envFiles.length, 'env file')} read`)];
  },
};
