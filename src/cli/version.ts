import { readFileSync } from 'node:fs';

// dist/src/cli/version.js -> package.json three folders up.
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
export const version: string = pkg.version;
