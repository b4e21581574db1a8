// `dozen releases`: the app's releases, newest first, as `heroku releases` lists them.
import type { Command } from 'commander';
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
  program
    .command('releases')
    .description("list the app's releases, newest first: version, description, build, commit, status")
    .addOption(flag('--json', 'print a JSON array', false))
    .addOption(flag('-d, --root <dir>', 'app root (default: the current folder)'))
    .action((opts: ReleasesOptions) => {
      const log = readReleases(ensureStateDir(controlRoot(opts)));
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

/** The fields `--json` shows (never the config snapshot: it holds secrets). */
export function releaseJson(r: Release, current: number | undefined) {
  return { version: r.version, description: r.description, build: r.build, commit: r.commit, createdAt: r.createdAt, status: r.status, current: r.version === current };
}
