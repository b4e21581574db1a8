// Factor II, Dependencies: declared completely and exactly. A manifest for each language the app
// runs, a lockfile (or exact versions) beside it, and no package imported that is not declared.
import type { AppFacts, Check, Finding, SourceFile } from '../types.js';
import { capped, count, passed, problem } from './findings.js';
import { nodeImports, pythonImports, type ImportedName } from './imports.js';
import { fileIn, folderOf, LANGUAGES, manifestFiles, type Language } from './manifests.js';
import { PYTHON_STDLIB } from './python-stdlib.js';
import { isProvided, isPythonManifest, isRequirementsFile, pythonRequirements } from './python-requirements.js';
import { programName, simpleCommands } from './shell-words.js';
import { baseName, isNodeSource, isPythonSource, isTestFile } from './source-kinds.js';

/** Programs that tell a Procfile command's language. */
const PROGRAMS: Array<[RegExp, Language]> = [
  [/^(node|nodejs|npm|npx|yarn|pnpm|bun|tsx|ts-node|nodemon|next|nuxt|vite|webpack|webpack-dev-server|pm2)$/, 'Node.js'],
  [/^(python[\d.]*|pip[\d.]*|gunicorn|uvicorn|hypercorn|daphne|celery|flask|django-admin|manage\.py|waitress-serve|rq|dramatiq|huey_consumer|poetry|pipenv|uv)$/, 'Python'],
  [/^(ruby|bundle|rails|rake|puma|unicorn|sidekiq|rackup)$/, 'Ruby'],
  [/^(go)$/, 'Go'],
  [/^(cargo)$/, 'Rust'],
  [/^(php|composer|artisan)$/, 'PHP'],
  [/^(java|mvn|gradle|gradlew)$/, 'Java'],
  [/^(mix|elixir|iex)$/, 'Elixir'],
];

/** The languages the Procfile's commands run. */
export function procfileLanguages(facts: AppFacts): Set<Language> {
  const found = new Set<Language>();
  for (const entry of facts.procfile?.entries ?? []) {
    for (const c of simpleCommands(entry.command)) {
      const program = programName(c.words);
      for (const [pattern, language] of PROGRAMS) if (pattern.test(program)) found.add(language);
    }
  }
  return found;
}

export const manifestPresent: Check<AppFacts> = {
  id: 'deps.manifest',
  factor: 'II',
  run(facts) {
    const manifests = manifestFiles(facts);
    const declared = new Set(manifests.map((m) => m.language));
    const needed = procfileLanguages(facts);
    // Source files name a language only when no manifest exists at all: the scripts of a Python
    // app's static folder do not make it a Node.js app.
    if (manifests.length === 0) {
      for (const rule of LANGUAGES) if (facts.files.some((f) => rule.source.test(f.path) && !isTestFile(f.path))) needed.add(rule.language);
    }
    const missing = [...needed].filter((language) => !declared.has(language));
    if (missing.length > 0) {
      return missing.map((language) => {
        const rule = LANGUAGES.find((r) => r.language === language);
        return problem('deps.manifest', 'fail', `no dependency manifest for ${language}`, `looked for ${rule?.manifests.join(', ')}`, `declare the app's ${language} dependencies in ${rule?.manifests[0]}`);
      });
    }
    if (declared.size === 0) return [passed('deps.manifest', 'no language manifest needed', 'the Procfile runs no language with a package manager dozen knows')];
    return [passed('deps.manifest', 'the app declares its dependencies', [...new Set(manifests.map((m) => m.path))].join(', '))];
  },
};

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function packageJson(file: SourceFile | undefined): PackageJson | undefined {
  if (file === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(file.text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as PackageJson) : undefined;
  } catch (_err) {
    return undefined;
  }
}

function nodeDependencies(pkg: PackageJson): Record<string, string> {
  return { ...pkg.optionalDependencies, ...pkg.peerDependencies, ...pkg.devDependencies, ...pkg.dependencies };
}

const EXACT = /^\d+\.\d+\.\d+(-[\w.-]+)?$/;

export const lockfilePresent: Check<AppFacts> = {
  id: 'deps.lockfile',
  factor: 'II',
  run(facts) {
    const findings: Finding[] = [];
    const locked: string[] = [];
    const lockIn = (folder: string, names: string[]) => names.some((n) => fileIn(facts, folder, n) ?? fileIn(facts, '', n));
    for (const m of manifestFiles(facts)) {
      const rule = LANGUAGES.find((r) => r.language === m.language);
      if (rule === undefined || !rule.manifests.includes(baseName(m.path))) continue;
      const folder = folderOf(m.path);
      if (lockIn(folder, rule.lockfiles)) {
        locked.push(m.path);
        continue;
      }
      const loose = looseVersions(m.path, m.file);
      if (loose === undefined || loose.length === 0) {
        locked.push(m.path);
        continue;
      }
      findings.push(
        problem('deps.lockfile', 'warn', `${m.path} has no lockfile and ${count(loose.length, 'dependency', 'dependencies')} without an exact version`, loose.slice(0, 5).join(', ') + (loose.length > 5 ? ', ...' : ''), `commit a lockfile (${rule.lockfiles[0]}) or pin exact versions: each build must install the same packages`, { file: m.path }),
      );
    }
    if (findings.length > 0) return findings;
    return locked.length === 0 ? [] : [passed('deps.lockfile', 'the dependencies are locked or pinned', locked.join(', '))];
  },
};

/** The dependencies of a manifest without an exact version; [] when all are exact; undefined when it cannot tell (and so does not complain). */
function looseVersions(path: string, file: SourceFile): string[] | undefined {
  const name = baseName(path);
  if (name === 'package.json') {
    const pkg = packageJson(file);
    if (pkg === undefined) return undefined;
    return Object.entries(nodeDependencies(pkg))
      .filter(([, version]) => !EXACT.test(version) && !/^(file|link|workspace|git\+|https?):/.test(version))
      .map(([dep, version]) => `${dep}@${version}`);
  }
  if (isPythonManifest(path)) {
    if (name === 'setup.py' || name === 'setup.cfg') return [];
    return pythonRequirements([file]).filter((r) => !r.pinned).map((r) => r.name);
  }
  if (name === 'go.mod') return /^\s*require\b/m.test(file.text) ? ['(go.sum missing)'] : [];
  if (name === 'Gemfile') return /^\s*gem\s/m.test(file.text) ? ['(Gemfile.lock missing)'] : [];
  return ['(no lockfile)'];
}

export const undeclaredImports: Check<AppFacts> = {
  id: 'deps.undeclared-import',
  factor: 'II',
  run(facts) {
    const local = localNames(facts);
    const findings: Finding[] = [];
    let checked = 0;
    const node = undeclaredNode(facts, local);
    const python = undeclaredPython(facts, local);
    for (const [result, status, language] of [[node, 'fail', 'Node.js'], [python, 'warn', 'Python']] as const) {
      if (result === undefined) continue;
      checked += result.files;
      for (const [name, places] of result.undeclared) {
        const first = places[0] as ImportedName & { file: string };
        const more = places.length > 1 ? ` (and ${count(places.length - 1, 'more place')})` : '';
        const manifest = language === 'Node.js' ? 'package.json' : 'the requirements';
        findings.push(
          problem('deps.undeclared-import', status, `${language} package "${name}" is imported but not declared in ${manifest}`, `${first.text}${more}`, language === 'Node.js' ? `npm install ${name} (adds it to package.json and the lockfile)` : `add the distribution that provides "${name}" to the requirements, with its version`, { file: first.file, line: first.line }),
        );
      }
    }
    if (findings.length > 0) return capped(findings);
    if (node === undefined && python === undefined) return [];
    return [passed('deps.undeclared-import', 'every package the code imports is declared', `${count(checked, 'source file')} read`)];
  },
};

type Places = Map<string, Array<ImportedName & { file: string }>>;

function addPlace(map: Places, file: string, imported: ImportedName): void {
  const list = map.get(imported.name);
  if (list) list.push({ ...imported, file });
  else map.set(imported.name, [{ ...imported, file }]);
}

/** Folders and file stems anywhere in the app: an import of one of them is of the app's own code. */
function localNames(facts: AppFacts): Set<string> {
  const names = new Set<string>();
  for (const f of facts.files) {
    const parts = f.path.split('/');
    for (const dir of parts.slice(0, -1)) names.add(dir);
    names.add((parts[parts.length - 1] as string).replace(/\.[^.]*$/, ''));
  }
  return names;
}

function undeclaredNode(facts: AppFacts, local: Set<string>): { files: number; undeclared: Places } | undefined {
  const manifests = facts.files.filter((f) => baseName(f.path) === 'package.json');
  if (manifests.length === 0) return undefined;
  const packages = manifests.map((f) => ({ folder: folderOf(f.path), pkg: packageJson(f) ?? {} }));
  const ownNames = new Set(packages.map((p) => p.pkg.name).filter((n): n is string => n !== undefined));
  const undeclared: Places = new Map();
  let files = 0;
  for (const file of facts.files) {
    if (!isNodeSource(file.path) || isTestFile(file.path)) continue;
    // The nearest package.json governs the file, with the root's (hoisted) dependencies.
    const governing = packages.filter((p) => p.folder === '' || file.path.startsWith(`${p.folder}/`));
    if (governing.length === 0) continue;
    files += 1;
    const declared = new Set(governing.flatMap((p) => Object.keys(nodeDependencies(p.pkg))));
    for (const imported of nodeImports(file.text)) {
      const { name } = imported;
      if (declared.has(name) || ownNames.has(name) || (!name.startsWith('@') && local.has(name))) continue;
      if (imported.typeOnly && declared.has(`@types/${name.replace(/^@/, '').replace('/', '__')}`)) continue;
      addPlace(undeclared, file.path, imported);
    }
  }
  return { files, undeclared };
}

function undeclaredPython(facts: AppFacts, local: Set<string>): { files: number; undeclared: Places } | undefined {
  if (!facts.files.some((f) => isPythonManifest(f.path))) return undefined;
  const declared = new Set(pythonRequirements(facts.files).map((r) => r.name));
  // A setup.py or pyproject.toml without the requirements dozen reads: it cannot tell.
  if (declared.size === 0 && !facts.files.some((f) => isRequirementsFile(f.path))) return undefined;
  const undeclared: Places = new Map();
  let files = 0;
  for (const file of facts.files) {
    if (!isPythonSource(file.path) || isTestFile(file.path)) continue;
    files += 1;
    for (const imported of pythonImports(file.text)) {
      const { name } = imported;
      if (PYTHON_STDLIB.has(name) || local.has(name) || isProvided(name, declared)) continue;
      addPlace(undeclared, file.path, imported);
    }
  }
  return { files, undeclared };
}
