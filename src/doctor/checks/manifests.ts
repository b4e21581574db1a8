// The dependency manifests and lockfiles of the app's languages, found among its files.
import type { AppFacts, SourceFile } from '../types.js';
import { baseName } from './source-kinds.js';

export type Language = 'Node.js' | 'Python' | 'Ruby' | 'Go' | 'Rust' | 'PHP' | 'Java' | 'Elixir';

interface LanguageRule {
  language: Language;
  manifests: string[];
  lockfiles: string[];
  /** Source files of the language (a manifest is looked for when some exist). */
  source: RegExp;
}

export const LANGUAGES: LanguageRule[] = [
  { language: 'Node.js', manifests: ['package.json'], lockfiles: ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'], source: /\.(js|mjs|cjs|ts|mts|cts|jsx|tsx)$/ },
  { language: 'Python', manifests: ['requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'setup.cfg'], lockfiles: ['poetry.lock', 'Pipfile.lock', 'uv.lock', 'pdm.lock'], source: /\.py$/ },
  { language: 'Ruby', manifests: ['Gemfile'], lockfiles: ['Gemfile.lock'], source: /\.rb$/ },
  { language: 'Go', manifests: ['go.mod'], lockfiles: ['go.sum'], source: /\.go$/ },
  { language: 'Rust', manifests: ['Cargo.toml'], lockfiles: ['Cargo.lock'], source: /\.rs$/ },
  { language: 'PHP', manifests: ['composer.json'], lockfiles: ['composer.lock'], source: /\.php$/ },
  { language: 'Java', manifests: ['pom.xml', 'build.gradle', 'build.gradle.kts'], lockfiles: ['gradle.lockfile'], source: /\.(java|kt)$/ },
  { language: 'Elixir', manifests: ['mix.exs'], lockfiles: ['mix.lock'], source: /\.exs?$/ },
];

export interface Manifest {
  language: Language;
  path: string;
  file: SourceFile;
}

/** Manifests at the app root, and lockfiles beside them; folders of their own (a monorepo's packages) too. */
export function manifestFiles(facts: AppFacts): Manifest[] {
  const found: Manifest[] = [];
  for (const file of facts.files) {
    const name = baseName(file.path);
    for (const rule of LANGUAGES) {
      if (rule.manifests.includes(name) || rule.lockfiles.includes(name)) found.push({ language: rule.language, path: file.path, file });
    }
  }
  return found;
}

/** The folder of a path (`''` at the root). */
export function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The files in `folder` named `name`. */
export function fileIn(facts: AppFacts, folder: string, name: string): SourceFile | undefined {
  const path = folder === '' ? name : `${folder}/${name}`;
  return facts.files.find((f) => f.path === path);
}
