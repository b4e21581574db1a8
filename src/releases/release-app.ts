// A release as an app: its build folder (the commit's tree, built) with the release's config
// snapshot instead of env files. The processes run in the build folder and find what the build
// installed (a virtualenv's bin/, node_modules/.bin) first on PATH.
import { existsSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { loadApp, type LoadedApp } from '../app/load-app.js';
import { appModel, type AppModel } from '../app/app-model.js';
import { DozenError } from '../errors.js';
import type { Release } from './release-store.js';

/** Where a release's build is, as the build stage records it. */
export interface BuildLocation {
  id: string;
  /** The build folder. */
  path: string;
  /** Folders to put first on PATH, absolute or relative to the build folder. */
  paths: string[];
}

export function releaseName(release: Pick<Release, 'version'>): string {
  return `v${release.version}`;
}

/**
 * Loads the release's Procfile (and app.json) from its build, with its config; throws if the
 * build is gone. `healthPath` (--health-path) wins over the build's app.json for web.
 */
export function loadReleaseApp(release: Release, build: BuildLocation | undefined, inherited: NodeJS.ProcessEnv, healthPath?: string): LoadedApp {
  if (!build || !existsSync(build.path)) {
    throw new DozenError('release', `${releaseName(release)}'s build ${release.build} is no longer kept (old builds are pruned); deploy again or roll back to a newer release`);
  }
  const paths = build.paths.map((p) => resolve(build.path, p));
  const PATH = [...paths, inherited.PATH].filter((p) => p !== undefined && p !== '').join(delimiter);
  return loadApp({
    cwd: build.path,
    root: build.path,
    // Builds live inside the app's repository (.dozen/builds/): git in a process must not find it.
    inherited: { ...inherited, PATH, GIT_CEILING_DIRECTORIES: dirname(build.path) },
    config: { release: releaseName(release), values: release.config },
    healthPath,
  });
}

/** What a running dozen plans and rolls out from for this release. */
export function releaseModel(app: LoadedApp, basePort: number, release: Release): AppModel {
  return appModel(app, basePort, releaseName(release));
}
