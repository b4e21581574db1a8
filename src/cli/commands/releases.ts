// `dozen releases`, `deploy`, `release`, `rollback` and `git-remote`: numbered releases as Heroku
// keeps them (`heroku releases`, `heroku rollback`), made and switched to on this machine.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { requireDirectory } from '../../app/load-app.js';
import { ensureStateDir } from '../../platform/state-dir.js';
import { readReleases, type Release } from '../../releases/release-store.js';
import { flag } from '../options.js';
import { printJson, printLines, table } from '../print.js';
import { controlRoot } from './control.js';

export interface ReleasesOptions {
  root?: string;
  procfile?: string;
  json: boolean;
}

export function register(program: Command): void {
  registerMakers(program);
  program
    .command('releases')
    .description("list the app's releases, newest first: version, description, build, commit, status")
    .addOption(flag('--json', 'print a JSON array', false))
    .addOption(flag('-d, --root <dir>', 'app root (default: the current folder)'))
    .action((opts: ReleasesOptions) => {
      const log = readReleases(ensureStateDir(appRoot(opts)));
      const newestFirst = [...log.releases].reverse();
      if (opts.json) {
        printJson(newestFirst.map((r) => releaseJson(r, log.current)));
        return;
      }
      if (newestFirst.length === 0) {
        printLines(['no releases yet: dozen deploy makes the first']);
        return;
      }
      printLines(
        table([
          ['VERSION', 'DESCRIPTION', 'BUILD', 'COMMIT', 'CREATED', 'STATUS'],
          ...newestFirst.map((r) => [
            `v${r.version}${r.version === log.current ? ' *' : ''}`,
            r.description,
            r.build,
            r.commit.slice(0, 7),
            r.createdAt.replace(/\.\d+Z$/, 'Z'),
            r.status,
          ]),
        ]),
      );
    });
}

interface DeployOptions {
  ref?: string;
  root?: string;
}

function registerMakers(program: Command): void {
  program
    .command('deploy')
    .description('build a commit (default HEAD), release it with the config store, and switch a running dozen start --release to it')
    .addOption(flag('--ref <ref>', 'the branch, tag or commit to deploy (default: HEAD)'))
    .addOption(flag('-d, --root <dir>', 'the app: a git working tree or a bare repository (default: the current folder)'))
    .action(async (opts: DeployOptions) => {
      const root = appRoot(opts);
      const [{ buildFromCli }, { releaseBuildLocked }, { underDeployLock }] = await Promise.all([
        import('./build.js'),
        import('../release-actions.js'),
        import('../../releases/make-release.js'),
      ]);
      // The build inside the lock too: one deploy at a time per app, from its first step.
      await underDeployLock(ensureStateDir(root), async () => {
        const build = await buildFromCli({ root, ref: opts.ref, json: false });
        await releaseBuildLocked(ensureStateDir(root), build);
      });
    });

  program
    .command('release')
    .description('release a build (default: the newest that succeeded) with the config store, and switch to it')
    .addOption(flag('--build <id>', 'the build to release (dozen build prints its id)'))
    .addOption(flag('-d, --root <dir>', 'app root (default: the current folder)'))
    .action(async (opts: { build?: string; root?: string }) => {
      const { releaseBuild } = await import('../release-actions.js');
      await releaseBuild(appRoot(opts), opts.build);
    });

  program
    .command('rollback')
    .description("a new release with the build and config of an earlier one (default: the one before the current), switched to")
    .argument('[version]', 'the release to roll back to, e.g. v3')
    .addOption(flag('-d, --root <dir>', 'app root (default: the current folder)'))
    .action(async (version: string | undefined, opts: { root?: string }) => {
      const { rollback } = await import('../release-actions.js');
      await rollback(appRoot(opts), version);
    });

  program
    .command('git-remote')
    .description('make DIR a bare git repository that deploys what is pushed to its main or master branch')
    .argument('<dir>', 'the repository to create (its releases, config and state live in it)')
    .action(async (dir: string) => {
      const { createGitRemote, DEPLOY_BRANCHES } = await import('../../releases/git-remote.js');
      const target = resolve(dir);
      // The hook runs this same dozen: this Node and this CLI file.
      const { created } = createGitRemote(target, [process.execPath, resolve(process.argv[1] ?? '')]);
      printLines([
        `${created ? 'created' : 'updated the deploy hook of'} ${target}: a push to ${DEPLOY_BRANCHES.join(' or ')} deploys`,
        `  git remote add dozen ${target} && git push dozen main`,
        `  dozen config set -d ${target} KEY=VALUE; dozen start --release -d ${target}`,
      ]);
    });
}

/** The app the command names: it must exist (its state folder is made in it). */
function appRoot(opts: { root?: string; procfile?: string }): string {
  const root = resolve(controlRoot(opts));
  requireDirectory(root);
  return root;
}

/** The fields `--json` shows (never the config snapshot: it holds secrets). */
export function releaseJson(r: Release, current: number | undefined) {
  return { version: r.version, description: r.description, build: r.build, commit: r.commit, createdAt: r.createdAt, status: r.status, current: r.version === current };
}
