// Which of the app's files a check reads as code: the scanners of secrets and addresses leave out
// documentation, tests, lockfiles and env files (where config belongs), so they raise no false alarm.
import type { SourceFile } from '../types.js';

const CODE = /\.(py|pyw|js|mjs|cjs|jsx|ts|mts|cts|tsx|rb|go|rs|java|kt|kts|scala|php|ex|exs|cs|swift|sh|bash|pl|lua|yml|yaml|toml|ini|cfg|conf|json|properties|xml)$/i;
const NODE = /\.(js|mjs|cjs|jsx|ts|mts|cts|tsx)$/i;
const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'poetry.lock', 'Pipfile.lock', 'Gemfile.lock', 'Cargo.lock', 'composer.lock', 'go.sum', 'uv.lock', 'pdm.lock', 'bun.lock']);

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `.env`, `.env.local`, `prod.env`... (not the templates: `.env.example`, `.env.sample`, `.env.template`, `.env.dist`). */
export function isEnvFile(path: string): boolean {
  const name = baseName(path);
  if (!/^\.env(\..+)?$|\.env$/.test(name)) return false;
  return !/\.(example|sample|template|dist|defaults|tmpl|tpl)$/i.test(name) && !/example|sample|template/i.test(name);
}

/** Tests and their fixtures: `test/`, `tests/`, `spec/`, `__tests__/`, `test_x.py`, `x_test.go`, `x.test.js`, `x.spec.ts`. */
export function isTestFile(path: string): boolean {
  const parts = path.split('/');
  if (parts.slice(0, -1).some((p) => /^(tests?|spec|specs|__tests__|__mocks__|fixtures|testdata)$/i.test(p))) return true;
  return /^test_.*\.py$|_test\.(py|go|rb)$|\.(test|spec)\.[cm]?[jt]sx?$|_spec\.rb$|^conftest\.py$/.test(baseName(path));
}

/** A file of code or config that the app runs with: what the secret and address scanners read. */
export function isScannedCode(file: SourceFile): boolean {
  const name = baseName(file.path);
  if (LOCKFILES.has(name) || isEnvFile(file.path) || isTestFile(file.path)) return false;
  if (/^(docker-)?compose([.-].*)?\.ya?ml$/i.test(name)) return false;
  return CODE.test(name);
}

export function isNodeSource(path: string): boolean {
  return NODE.test(path) && !path.endsWith('.d.ts');
}

export function isPythonSource(path: string): boolean {
  return /\.pyw?$/.test(path);
}

/** A line that is only a comment (`#`, `//`, `/*`, ` *`, `--`, `;`). */
export function isCommentLine(line: string): boolean {
  return /^\s*(#|\/\/|\/\*|\*|--|;)/.test(line);
}

/**
 * A line that reads the config, where a literal is a default and not the value: `os.environ.get(`,
 * `os.getenv(`, `process.env.X ||`, `ENV.fetch(`, `env('X', default=...)`, `config('X', default=`, `${X:-...}`.
 */
export function readsConfig(line: string): boolean {
  return /os\.environ|os\.getenv|\bgetenv\(|process\.env|import\.meta\.env|\bENV\s*(\[|\.fetch)|System\.getenv|\benv(\.\w+)?\(|\bconfig\(\s*['"][A-Z_]|\$\{\w+:?-|Deno\.env|std::env::var|os\.Getenv|LookupEnv/.test(line);
}

/** 1-based lines of a file. */
export function linesOf(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}
