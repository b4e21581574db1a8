// The app as a git repository (factor I): a commit named by a ref, whether the working tree holds
// changes that a build from it would leave out, and the commit's files exported into a folder.
// `git` runs with argument arrays, never through a shell. The app root is a working tree (or a
// folder inside one: its part of the commit is built) or a bare repository.
import { execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { DozenError } from '../errors.js';

export interface GitSource {
  /** The folder the commands run in (the app root). */
  root: string;
  /** A bare repository: no working tree, so nothing can be dirty. */
  bare: boolean;
  /** The working tree's top folder; undefined for a bare repository. */
  top: string | undefined;
  /** The app root's path inside the commit (`app/`, or '' at the top), as git spells it. */
  prefix: string;
}

export interface ResolvedCommit {
  /** The full sha. */
  commit: string;
  /** Its first 7 characters, as messages show it. */
  short: string;
}

/**
 * Variables a git hook (or a user's shell) may have set that would point git at another
 * repository than the one in `root`. The object-directory variables stay: inside a pre-receive
 * hook they are what shows the pushed commit before the push is accepted.
 */
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR', 'GIT_NAMESPACE'];

/** `env` without the variables that would point git at another repository. */
export function withoutRepositoryVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of REPOSITORY_VARIABLES) delete out[name];
  return out;
}

/**
 * An environment with no GIT_* variable at all: for what runs in a build (its steps, the release
 * phase), which must not see the repository a push hook runs in, nor its quarantine.
 */
export function withoutGitVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('GIT_')));
}

/** The environment git runs with: never a prompt, no lock taken just to refresh the index, no system attributes. */
function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...withoutRepositoryVariables(env), GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_ATTR_NOSYSTEM: '1' };
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `git args` in `cwd`; a non-zero exit is data, a missing git is a DozenError. */
function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnv(env), maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(spawnError('git', err as NodeJS.ErrnoException));
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

function spawnError(program: string, err: NodeJS.ErrnoException): DozenError {
  if (err.code === 'ENOENT') return new DozenError('build', `${program} is not installed (not found on PATH); a build needs it`);
  return new DozenError('build', `cannot run ${program}: ${err.message}`);
}

/** git's first line of complaint, without its `fatal: ` label. */
function firstLine(stderr: string): string {
  return (stderr.trim().split('\n')[0] ?? '').replace(/^(fatal|error): /, '');
}

/** Finds the repository of `root`; a DozenError when there is none. */
export async function openGitSource(root: string, env: NodeJS.ProcessEnv = process.env): Promise<GitSource> {
  // Checked first: git started in a folder that does not exist fails as if git were missing.
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new DozenError('config', `${root}: no such folder (the app root)`);
  const bare = await git(root, ['rev-parse', '--is-bare-repository'], env);
  if (bare.code !== 0) {
    if (/not a git repository/i.test(bare.stderr)) {
      throw new DozenError('config', `${root} is not in a git repository: a build is made from a commit`, {
        hint: '(run git init and commit the app, or name the repository with -d DIR)',
      });
    }
    throw new DozenError('build', `git rev-parse in ${root} failed: ${firstLine(bare.stderr)}`);
  }
  if (bare.stdout.trim() === 'true') return { root, bare: true, top: undefined, prefix: '' };
  const where = await git(root, ['rev-parse', '--show-toplevel', '--show-prefix'], env);
  if (where.code !== 0) throw new DozenError('build', `git rev-parse in ${root} failed: ${firstLine(where.stderr)}`);
  const [top = root, prefix = ''] = where.stdout.split('\n');
  return { root, bare: false, top, prefix };
}

/** The commit `ref` names (default HEAD); a one-line DozenError for anything that is not one. */
export async function resolveCommit(source: GitSource, ref = 'HEAD', env: NodeJS.ProcessEnv = process.env): Promise<ResolvedCommit> {
  if (ref === '' || ref.startsWith('-')) throw new DozenError('usage', `--ref: expected a branch, tag or commit, got "${ref}"`);
  const found = await git(source.root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], env);
  const commit = found.stdout.trim();
  if (found.code === 0 && /^[0-9a-f]{40,64}$/.test(commit)) return { commit, short: commit.slice(0, 7) };
  if (ref === 'HEAD' && (await git(source.root, ['rev-parse', '--verify', '--quiet', 'HEAD'], env)).code !== 0) {
    throw new DozenError('config', `the repository of ${source.root} has no commit yet: a build is made from a commit`, { hint: '(commit the app first)' });
  }
  throw new DozenError('usage', `--ref: no commit "${ref}" in the repository of ${source.root}`);
}

/**
 * Whether the working tree (the app's part of it) differs from HEAD: changed, staged, deleted or
 * untracked files that .gitignore does not ignore. The state folder is left out (dozen's own, and
 * often not ignored). Always false for a bare repository.
 */
export async function hasUncommittedChanges(source: GitSource, stateDir: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (source.bare || source.top === undefined) return false;
  const status = await git(source.root, ['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--', '.'], env);
  if (status.code !== 0) throw new DozenError('build', `git status in ${source.root} failed: ${firstLine(status.stderr)}`);
  const state = relative(source.top, stateDir).split(sep).join('/');
  const insideState = (path: string) => state !== '' && !state.startsWith('..') && (path === state || path.startsWith(`${state}/`));
  // Entries are `XY path`; a rename's entry is followed by its old path as a field of its own.
  const fields = status.stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] as string;
    if (entry.length < 4) continue;
    if (entry[0] === 'R' || entry[0] === 'C') i += 1;
    if (!insideState(entry.slice(3).replace(/\/$/, ''))) return true;
  }
  return false;
}

/**
 * Writes the files of `commit` (the app's part of it) into the existing, empty folder `dir`:
 * `git archive | tar -x`. Nothing of the working tree, the index or the user's git config
 * counts (line endings come out as committed); submodules are not included.
 */
export async function exportCommit(source: GitSource, commit: string, dir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const treeish = source.prefix === '' ? commit : `${commit}:${source.prefix.replace(/\/$/, '')}`;
  // From the top: in a folder of the working tree, git archive would look for that folder again inside the tree-ish.
  const archive = spawn('git', ['-c', 'core.autocrlf=false', '-c', 'core.attributesFile=/dev/null', 'archive', '--format=tar', treeish], {
    cwd: source.top ?? source.root,
    env: gitEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tar = spawn('tar', ['-x', '-f', '-', '-C', dir, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'], env });
  archive.stdout.pipe(tar.stdin);
  // tar failing closes its stdin: git then gets EPIPE, which its own exit reports.
  tar.stdin.on('error', () => undefined);
  const [gitDone, tarDone] = await Promise.all([finished(archive, 'git'), finished(tar, 'tar')]);
  if (gitDone.code !== 0) {
    const why = firstLine(gitDone.stderr);
    if (source.prefix !== '' && /not a (valid object|tree object)/i.test(why)) {
      throw new DozenError('build', `commit ${commit.slice(0, 7)} has no folder ${source.prefix} (the app root's place in the repository)`);
    }
    throw new DozenError('build', `git archive ${commit.slice(0, 7)} failed: ${why}`);
  }
  if (tarDone.code !== 0) throw new DozenError('build', `tar could not write the commit's files into ${dir}: ${firstLine(tarDone.stderr)}`);
}

/** A child's exit code (a signal counts as 128 + n) and what it wrote on stderr. */
function finished(child: ReturnType<typeof spawn>, program: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 8192) stderr += s;
    });
    child.once('error', (err) => reject(spawnError(program, err)));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr }));
  });
}
