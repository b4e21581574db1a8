// Apps in temporary git repositories, for the build tests: files written and committed with a
// fixed identity, and git kept away from the machine's own git config.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { removeTree } from '../../src/releases/build-records.js';

/** The environment git runs with in these tests (and that the builds under test start from). */
export function gitTestEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...extra };
  for (const name of Object.keys(env)) if (/^(GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|DOZEN_)/.test(name)) delete env[name];
  return env;
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=Test', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: gitTestEnv(),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd} failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface GitApp {
  dir: string;
  /** Writes files (creating folders), relative to the app. */
  write(files: Record<string, string>): void;
  /** Writes files, commits everything, returns the new commit's sha. */
  commit(files?: Record<string, string>, message?: string): string;
  cleanup(): void;
}

/** A new repository holding `files`, committed (when there are any). */
export function gitApp(files: Record<string, string> = {}): GitApp {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-build-'));
  git(dir, 'init', '-q');
  const app: GitApp = {
    dir,
    write(more) {
      for (const [name, text] of Object.entries(more)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
    },
    commit(more = {}, message = 'change') {
      app.write(more);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
    cleanup() {
      // Builds are read-only: made writable first.
      removeTree(join(dir, '.dozen', 'builds'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (Object.keys(files).length > 0) app.commit(files, 'initial');
  return app;
}

/** A Node.js app that needs no registry: no dependencies, a lockfile, a build script that writes a file. */
export const NODE_APP: Record<string, string> = {
  Procfile: 'web: node server.js\n',
  'server.js': "console.log(require('fs').readFileSync('built.txt', 'utf8'));\n",
  'package.json': `${JSON.stringify({ name: 'tiny', version: '1.0.0', private: true, scripts: { build: 'node build.js' } }, null, 2)}\n`,
  'package-lock.json': `${JSON.stringify({ name: 'tiny', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'tiny', version: '1.0.0' } } }, null, 2)}\n`,
  'build.js': "require('fs').writeFileSync('built.txt', 'built from ' + process.env.SOURCE_VERSION + '\\n'); console.log('wrote built.txt');\n",
};

/** An app whose build is app.json's command. */
export function customBuildApp(command: string): Record<string, string> {
  return { Procfile: 'web: ./serve\n', 'app.json': `${JSON.stringify({ name: 'custom', scripts: { dozen: { build: command } } })}\n` };
}
