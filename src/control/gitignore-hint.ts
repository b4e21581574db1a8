// The state folder holds a socket, logs and config values that must not be committed: tell the
// user, once per app, to list it in .gitignore when the app is in a git repository and does not
// list it yet.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

const MARKER = '.gitignore-hint-shown';

/** The hint to show now, or undefined (outside git, already ignored, or already told). */
export function gitignoreHint(root: string, stateDir: string): string | undefined {
  const rel = relative(root, stateDir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined; // not inside the app
  const repo = gitRepoOf(root);
  if (repo === undefined) return undefined;
  const gitignore = join(root, '.gitignore');
  if (listsFolder(readOrEmpty(gitignore), rel)) return undefined;
  // A .gitignore between the app root and the repository's top may list the name for every level.
  if (root !== repo) {
    for (let dir = dirname(root); ; dir = dirname(dir)) {
      if (listsFolder(readOrEmpty(join(dir, '.gitignore')), rel, { anyLevelOnly: true })) return undefined;
      if (dir === repo || dirname(dir) === dir) break;
    }
  }
  const marker = join(stateDir, MARKER);
  try {
    // Exclusive: never written through a link planted under the marker's name.
    writeFileSync(marker, 'dozen told the user once to add the state folder to .gitignore\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  return `add "${rel.split('\\').join('/')}/" to ${gitignore}: it holds dozen's control socket, logs and config store`;
}

/** Does a .gitignore line ignore the top-level folder `rel`? (`.dozen`, `/.dozen/`, `.dozen/*`...) */
export function listsFolder(gitignoreText: string, rel: string, opts: { anyLevelOnly?: boolean } = {}): boolean {
  const wanted = rel.split('\\').join('/');
  return gitignoreText.split(/\r?\n/).some((raw) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) return false;
    if (opts.anyLevelOnly && line.startsWith('/')) return false; // anchored to that folder
    const bare = line.replace(/^\//, '').replace(/\/(\*\*?)?$/, '');
    return bare === wanted || bare === `**/${wanted}`;
  });
}

/** The folder holding `.git` at or above `start`, if any. */
function gitRepoOf(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
