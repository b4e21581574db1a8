import { readFileSync } from 'node:fs';

/**
 * dozen's version, from its package.json: two folders up from the bundle (dist/bundle/*.js),
 * three from the compiled sources (dist/src/cli/version.js).
 */
function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    let text: string;
    try {
      text = readFileSync(new URL(path, import.meta.url), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const pkg = JSON.parse(text) as { name?: string; version?: string };
    if (pkg.name === 'dozen' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown';
}

export const version: string = packageVersion();
