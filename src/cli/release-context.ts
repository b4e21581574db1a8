// What the release commands (deploy, release, rollback, config set) share: the app's state
// folder, and the running `dozen start --release` they switch to a new current release.
import { ControlClient, ControlRequestError } from '../control/client.js';
import { controlSocketPath } from '../control/socket-path.js';
import type { BuildLocation } from '../releases/release-app.js';
import type { ReleaseContext } from '../releases/make-release.js';

/** Where a release command's lines go: the terminal, or (the dashboard) one function. */
export interface ReleaseOutput {
  say(line: string): void;
  output(line: string, stream: 'stdout' | 'stderr'): void;
}

export const TERMINAL_OUTPUT: ReleaseOutput = {
  say: (line) => process.stdout.write(`${line}\n`),
  output: (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`),
};

/** The context for `stateDir`; `locate` finds a build by id. */
export function releaseContext(stateDir: string, locate: (id: string) => BuildLocation | undefined, io: ReleaseOutput = TERMINAL_OUTPUT): ReleaseContext {
  return {
    stateDir,
    inherited: process.env,
    locate,
    say: (line) => io.say(line),
    output: (line, stream) => io.output(line, stream),
    switchRunning: (version) => switchRunning(stateDir, version),
  };
}

/** Asks the dozen running for the app (if any) to run release `version`; says what it did. */
async function switchRunning(stateDir: string, version: number): Promise<{ ok: boolean; text: string } | undefined> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(controlSocketPath(stateDir), 2000);
  } catch {
    return undefined; // none runs: the next `dozen start --release` runs it
  }
  try {
    const server = await client.call({ method: 'hello' });
    if (!(server.features ?? []).includes('releases')) {
      return { ok: true, text: `the running dozen (pid ${server.pid}, version ${server.version}) does not run releases: restart it with dozen start --release` };
    }
    const result = await client.call({ method: 'release', params: { version } });
    if (result.failure) {
      const before = result.replaced.length > 0 ? `; ${result.replaced.join(', ')} switched before it` : '';
      return { ok: false, text: `the running formation did not switch to it entirely: ${result.failure.instance} ${result.failure.reason}${before}` };
    }
    return { ok: true, text: `the running formation now runs v${version} (${result.replaced.join(', ') || 'no instance'} replaced)` };
  } catch (err) {
    if (err instanceof ControlRequestError && err.code === 'unsupported') {
      return { ok: true, text: 'the running dozen runs the working tree, not releases: it was left as it is' };
    }
    return { ok: false, text: `the running dozen could not switch to it: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    client.close();
  }
}
