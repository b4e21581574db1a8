// Shared test inputs: a hostile app (config values and commands with quotes, `%`, `$`, `#`, ` ;`,
// backslashes, newlines, unicode, edge whitespace) built through dozen's own parsers, so every
// test compares against the values `dozen start` would give the processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnv } from '../../src/env/load-env.js';
import { expandFormation } from '../../src/formation/expand.js';
import type { ProcessSpec } from '../../src/formation/types.js';
import { parseProcfile } from '../../src/procfile/parse.js';
import { exportNames } from '../../src/export/names.js';
import type { ExportContext } from '../../src/export/types.js';

/** The repository root, found upward from this file (tests run from dist/test/export/). */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith(`${'/'}dist`)) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const GOLDEN_DIR = join(REPO_ROOT, 'test', 'export', 'golden');

/** .env text in dozen's dialect; HOSTILE_VALUES below is what it must parse to. */
export const HOSTILE_DOTENV = [
  `SINGLE_QUOTE="it's \\"quoted\\" twice"`,
  `PERCENT='100% %(here)s %i %% %n'`,
  `DOLLAR='$HOME \${PORT} $$ $(date) \`id\`'`,
  `HASH='a #b #c'`,
  `SEMI='x ; y ;z'`,
  `BACKSLASH='C:\\path\\to\\ and \\\\ and \\n'`,
  `TRAILING_BACKSLASH="ends with \\\\"`,
  `NEWLINE="line one\\nline two\\n"`,
  `UNICODE='héllo ✓ 日本語 🎉'`,
  `SPACES='  lead and trail  '`,
  `EMPTY=''`,
  `JSON='{"a": "b", "c": [1, 2]}'`,
  `TAB="a\\tb"`,
  `BRACES='\${NOT_EXPANDED} \${X:-y}'`,
  `MIXED="'single' and \\"double\\" and \\$dollar"`,
  `YAMLISH='no'`,
  `PLAIN='Hello from dozen'`,
  `PRICE='costs $5, or $HOME'`,
].join('\n');

export const HOSTILE_VALUES: Record<string, string> = {
  SINGLE_QUOTE: `it's "quoted" twice`,
  PERCENT: '100% %(here)s %i %% %n',
  DOLLAR: '$HOME ${PORT} $$ $(date) `id`',
  HASH: 'a #b #c',
  SEMI: 'x ; y ;z',
  BACKSLASH: 'C:\\path\\to\\ and \\\\ and \\n',
  TRAILING_BACKSLASH: 'ends with \\',
  NEWLINE: 'line one\nline two\n',
  UNICODE: 'héllo ✓ 日本語 🎉',
  SPACES: '  lead and trail  ',
  EMPTY: '',
  JSON: '{"a": "b", "c": [1, 2]}',
  TAB: 'a\tb',
  BRACES: '${NOT_EXPANDED} ${X:-y}',
  MIXED: `'single' and "double" and $dollar`,
  YAMLISH: 'no',
  PLAIN: 'Hello from dozen',
  PRICE: 'costs $5, or $HOME',
};

/** The config exactly as dozen's env loader reads HOSTILE_DOTENV (nothing inherited). */
export function hostileConfig(): Record<string, string> {
  const loaded = loadEnv([{ path: '.env', text: HOSTILE_DOTENV }], {}, { override: false, expand: true, lenient: false });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`fixture .env does not parse: ${JSON.stringify(errors)}`);
  return Object.fromEntries(loaded.vars.map((v) => [v.key, v.value]));
}

/** A Procfile whose commands are as hostile as the values. */
export const HOSTILE_PROCFILE = [
  `release: echo "migrating: it's 100% done" ; printf '%s\\n' "$DYNO"`,
  `web: exec node -e 'require("http").createServer((q, s) => s.end(process.env.PS)).listen(+process.env.PORT)' # "web" ; $PORT`,
  `worker: printf '%s %d\\n' "tab	here" 42; echo \\\\back\\\\slash "$(echo sub)" \`echo tick\` ✓ 日本`,
  `Odd_Type: echo "a #b ;c" %i %n $$ \${PORT:-none}`,
].join('\n');

export interface Fixture {
  instances: ProcessSpec[];
  ctx: ExportContext;
}

/** A formation of the hostile app: web=2, worker=1, Odd_Type=1, with its release phase. */
export function hostileFixture(overrides: Partial<ExportContext> = {}): Fixture {
  return appFixture({
    procfile: HOSTILE_PROCFILE,
    formation: { web: 2, worker: 1, Odd_Type: 1 },
    config: hostileConfig(),
    app: 'Hostile App!',
    root: '/srv/hostile app',
    overrides: { outDir: '/etc/dozen/hostile', timeoutSec: 7, user: 'deploy', image: 'registry.example/hostile:1.0', ...overrides },
  });
}

export interface AppFixtureOptions {
  procfile: string;
  /** Instances per type. */
  formation: Record<string, number>;
  basePort?: number;
  config?: Record<string, string>;
  /** The raw app name, sanitised as the CLI does. */
  app?: string;
  root?: string;
  overrides?: Partial<ExportContext>;
}

/** Any Procfile and formation through dozen's own parser, expansion and names. */
export function appFixture(opts: AppFixtureOptions): Fixture {
  const procfile = parseProcfile(opts.procfile, 'Procfile');
  const errors = procfile.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`fixture Procfile does not parse: ${JSON.stringify(errors)}`);
  const config = opts.config ?? {};
  const root = opts.root ?? '/srv/app';
  const basePort = opts.basePort ?? 5000;
  const { instances, releasePhase } = expandFormation({
    entries: procfile.entries,
    formation: new Map(Object.entries(opts.formation)),
    basePort,
    env: config,
    cwd: root,
  });
  const names = exportNames(opts.app ?? 'app', procfile.entries.map((e) => e.name).filter((n) => n !== 'release'));
  const ctx: ExportContext = {
    app: names.app,
    typeNames: names.typeNames,
    root,
    outDir: '/etc/dozen/app',
    timeoutSec: 5,
    user: undefined,
    image: undefined,
    releasePhase,
    config,
    basePort,
    listen: { host: undefined, port: 80 },
    ...opts.overrides,
  };
  return { instances, ctx };
}

/** Under CI every real tool must be there; elsewhere a missing one skips with a message. */
export function missingToolReason(tool: string, found: boolean): string | undefined {
  if (found) return undefined;
  if (process.env.CI === 'true') throw new Error(`${tool} is required under CI (installed by .ci/run) but was not found`);
  return `${tool} is not installed here; skipped (CI installs it)`;
}

export function resolveRepo(...parts: string[]): string {
  return resolve(REPO_ROOT, ...parts);
}

/** Whether a program is on PATH. */
export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Writes rendered files into a fresh temp folder (via the CLI's own writer). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dozen-${prefix}-`));
}

/** A port on 127.0.0.1 that was free a moment ago (the OS picked it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
