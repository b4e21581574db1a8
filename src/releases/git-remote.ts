// `dozen git-remote DIR`: a bare repository that deploys what is pushed to it (as a Heroku or
// Dokku remote does). Its pre-receive hook runs `dozen deploy` for the pushed commit of the
// deploy branch while the push waits: the build's output reaches the pusher as `remote:` lines,
// and a failed build or release phase rejects the push. The app's state (.dozen/: builds,
// releases, config, logs) lives inside the bare repository.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DozenError } from '../errors.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { shellQuote } from '../env/shell-quote.js';

/** Branches a push deploys; a push of another branch is kept and not deployed. */
export const DEPLOY_BRANCHES = ['main', 'master'];

/** The command that runs dozen, as the hook will call it: `[node, cli.js]`. */
export type DozenCommand = readonly string[];

/** Creates (or updates the hook of) the bare repository at `dir`. */
export function createGitRemote(dir: string, dozen: DozenCommand): { created: boolean } {
  const exists = existsSync(dir);
  if (exists && !isBareRepository(dir)) {
    if (readdirSync(dir).length > 0) throw new DozenError('usage', `${dir} exists and is not a bare git repository; name a new folder`);
  }
  const created = !exists || !isBareRepository(dir);
  if (created) {
    git(['init', '--quiet', '--bare', dir]);
    // HEAD names the deploy branch, so `dozen deploy -d DIR` (no --ref) deploys what was pushed.
    git(['-C', dir, 'symbolic-ref', 'HEAD', `refs/heads/${DEPLOY_BRANCHES[0]}`]);
  }
  const hook = join(dir, 'hooks', 'pre-receive');
  writeFileAtomic(hook, preReceiveHook(dozen), 0o755);
  chmodSync(hook, 0o755);
  return { created };
}

/** The hook: one `dozen deploy` per pushed deploy branch; its exit code decides the push. */
export function preReceiveHook(dozen: DozenCommand): string {
  const run = dozen.map(shellQuote).join(' ');
  const branches = DEPLOY_BRANCHES.map((b) => `refs/heads/${b}`).join('|');
  return `#!/bin/sh
# Written by dozen git-remote: a push to ${DEPLOY_BRANCHES.join(' or ')} is built, released and
# switched to while the push waits; a failure rejects the push. Other branches are only kept.
status=0
while read -r old new ref; do
  case "$new" in *[!0]*) ;; *) continue ;; esac # a deleted branch
  case "$ref" in
    ${branches}) ;;
    *) echo "dozen: $ref is kept, not deployed (push ${DEPLOY_BRANCHES.join(' or ')} to deploy)"; continue ;;
  esac
  ${run} deploy -d "$PWD" --ref "$new" </dev/null || status=1
done
exit $status
`;
}

function isBareRepository(dir: string): boolean {
  try {
    return git(['-C', dir, 'rev-parse', '--is-bare-repository']).trim() === 'true';
  } catch {
    return false;
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new DozenError('not-found', 'git is not installed (dozen git-remote needs it)');
    throw new DozenError('usage', `git ${args[0]}: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
  }
}
