// `dozen start --release` and `dozen run --release`: the release they name, as an app, and how a
// running dozen loads another release of the same app when it is switched to it.
import { ensureStateDir } from '../platform/state-dir.js';
import type { AppModel } from '../app/app-model.js';
import type { LoadedApp } from '../app/load-app.js';
import { readBuild } from '../releases/build-records.js';
import { loadReleaseApp, releaseModel, releaseName } from '../releases/release-app.js';
import { findSucceededRelease, readReleases } from '../releases/release-store.js';

export interface RunningRelease {
  name: string;
  app: LoadedApp;
  /** The folder the app's state is in (the app runs in its build folder). */
  stateRoot: string;
  model(basePort: number): AppModel;
  modelOf(version: number, basePort: number): AppModel;
}

/** `healthPath`: --health-path, for this release and every release switched to. */
export function loadRunningRelease(spec: string, stateRoot: string, healthPath?: string): RunningRelease {
  const stateDir = ensureStateDir(stateRoot);
  const load = (which: string) => {
    const release = findSucceededRelease(readReleases(stateDir), which, 'run');
    return { release, app: loadReleaseApp(release, readBuild(stateDir, release.build), process.env, healthPath) };
  };
  const first = load(spec);
  return {
    name: releaseName(first.release),
    app: first.app,
    stateRoot,
    model: (basePort) => releaseModel(first.app, basePort, first.release),
    modelOf(version, basePort) {
      const next = load(`v${version}`);
      return releaseModel(next.app, basePort, next.release);
    },
  };
}
