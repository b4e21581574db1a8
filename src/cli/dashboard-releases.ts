// The releases as the dashboard shows them (never a config value), and its rollback: what
// `dozen rollback vN` does, with the lines it says collected for the page instead of printed.
import type { ReleasesView } from '../dashboard/dashboard-source.js';
import { stateDirFor } from '../platform/state-dir.js';
import { readReleases } from '../releases/release-store.js';
import { releaseJson } from './commands/releases.js';
import { rollback } from './release-actions.js';

/** The releases of the app whose state folder is in `root`. */
export function releasesView(root: string): ReleasesView {
  return {
    list() {
      const log = readReleases(stateDirFor(root));
      return [...log.releases].reverse().map((r) => releaseJson(r, log.current));
    },
    async rollback(version) {
      const lines: string[] = [];
      const collect = (line: string) => void lines.push(line);
      await rollback(root, `v${version}`, { say: collect, output: collect });
      return lines;
    },
  };
}
