// What makes a new release from the command line: a config change, a build released, a rollback
// (a deploy builds first, then releases the same way). Each under the app's deploy lock, with the
// config snapshot read under it, so two at once never release an older config over a newer one.
import { DozenError } from '../errors.js';
import { ensureStateDir } from '../platform/state-dir.js';
import { listBuilds, pruneBuilds, readBuild, type BuildRecord } from '../releases/build-records.js';
import { configStore } from '../releases/config-store.js';
import { openGitSource, resolveCommit, type GitSource } from '../releases/git-source.js';
import { makeRelease, underDeployLock, type ReleaseOutcome } from '../releases/make-release.js';
import { findSucceededRelease, readReleases, type Release } from '../releases/release-store.js';
import { releaseContext, type ReleaseOutput } from './release-context.js';

/** Builds kept beyond those of the current release: older ones are pruned (see docs/releases.md). */
export const KEPT_BUILDS = 5;

function context(stateDir: string, io?: ReleaseOutput) {
  return releaseContext(stateDir, (id) => readBuild(stateDir, id), io);
}

/**
 * `config set`/`unset`/`import`: `change` writes the store under the deploy lock, so a release
 * cannot be made between the write and the release of it; with a current release, a new one
 * with the new config follows.
 */
export async function changeConfig(root: string, change: (store: ReturnType<typeof configStore>) => string | undefined): Promise<ReleaseOutcome | undefined> {
  const stateDir = ensureStateDir(root);
  return underDeployLock(stateDir, async () => {
    const store = configStore(stateDir);
    // The release's description (`Set KEY`), or undefined when nothing changed.
    const description = change(store);
    const current = currentRelease(stateDir);
    if (!current || description === undefined) return undefined; // no release yet: the next deploy takes the new config
    return makeRelease(context(stateDir), { build: current.build, commit: current.commit, config: store.read(), description });
  });
}

/** `dozen release [--build ID]`: a build (default: the newest that succeeded) with the current config. */
export async function releaseBuild(root: string, buildId: string | undefined): Promise<ReleaseOutcome> {
  const stateDir = ensureStateDir(root);
  return underDeployLock(stateDir, async () => releaseBuildLocked(stateDir, await succeededBuild(root, stateDir, buildId)));
}

/** Under the lock, after a build: the release of it with the current config, then pruning. */
export async function releaseBuildLocked(stateDir: string, build: BuildRecord): Promise<ReleaseOutcome> {
  const outcome = await makeRelease(context(stateDir), {
    build: build.id,
    commit: build.commit,
    config: configStore(stateDir).read(),
    description: `Deploy ${build.commit.slice(0, 7)}`,
  });
  prune(stateDir);
  return outcome;
}

/**
 * `dozen rollback [vN]`: a new release with vN's build and config (default: the one before the
 * current). `io`: where its lines go (default: the terminal).
 */
export async function rollback(root: string, target: string | undefined, io?: ReleaseOutput): Promise<ReleaseOutcome> {
  const stateDir = ensureStateDir(root);
  return underDeployLock(stateDir, async () => {
    const log = readReleases(stateDir);
    const to = target === undefined ? previousRelease(log.releases, log.current) : findSucceededRelease(log, target, 'roll back to');
    const build = readBuild(stateDir, to.build);
    if (!build || build.status !== 'succeeded' || build.path === '') {
      throw new DozenError('release', `cannot roll back to v${to.version}: its build ${to.build} is no longer kept (old builds are pruned)`);
    }
    const outcome = await makeRelease(context(stateDir, io), { build: to.build, commit: to.commit, config: to.config, description: `Rollback to v${to.version}` });
    // As on Heroku, a rollback brings the config back too: the next config change starts from it.
    replaceConfig(stateDir, to.config);
    return outcome;
  });
}

function replaceConfig(stateDir: string, values: Record<string, string>): void {
  const store = configStore(stateDir);
  const gone = Object.keys(store.read()).filter((key) => !(key in values));
  if (gone.length > 0) store.unset(gone);
  if (Object.keys(values).length > 0) store.set(values);
}

function currentRelease(stateDir: string): Release | undefined {
  const log = readReleases(stateDir);
  return log.releases.find((r) => r.version === log.current);
}

function previousRelease(releases: Release[], current: number | undefined): Release {
  if (current === undefined) throw new DozenError('usage', 'the app has no release to roll back from: make one with dozen deploy');
  const before = releases.filter((r) => r.status === 'succeeded' && r.version < current).at(-1);
  if (!before) throw new DozenError('usage', `v${current} is the app's first release: there is none before it to roll back to`);
  return before;
}

/**
 * The build asked for, or the newest that succeeded of a commit the repository still has (a push
 * whose release phase failed is rejected: git drops its commit, though its build was made).
 */
async function succeededBuild(root: string, stateDir: string, id: string | undefined): Promise<BuildRecord> {
  const builds = listBuilds(stateDir);
  let build = id === undefined ? undefined : builds.find((b) => b.id === id);
  if (id === undefined) {
    const source = await openGitSource(root);
    for (const b of builds.filter((b) => b.status === 'succeeded')) {
      if (await hasCommit(source, b.commit)) {
        build = b;
        break;
      }
    }
  }
  if (!build) throw new DozenError('usage', id === undefined ? 'the app has no build yet: dozen build makes one (or dozen deploy builds and releases)' : `the app has no build ${id}`);
  if (build.status !== 'succeeded') throw new DozenError('usage', `build ${build.id} failed: release a build that succeeded`);
  return build;
}

async function hasCommit(source: GitSource, commit: string): Promise<boolean> {
  try {
    await resolveCommit(source, commit);
    return true;
  } catch {
    return false;
  }
}

/** Keeps the builds of the current release and of the last KEPT_BUILDS releases. */
function prune(stateDir: string): void {
  const log = readReleases(stateDir);
  const inUse = new Set(log.releases.slice(-KEPT_BUILDS).map((r) => r.build));
  const current = log.releases.find((r) => r.version === log.current);
  if (current) inUse.add(current.build);
  pruneBuilds(stateDir, KEPT_BUILDS, inUse);
}
