// Which build steps an app's files call for, as Heroku's buildpacks decide it: Node.js from
// package.json, Python from requirements.txt or pyproject.toml, Ruby from Gemfile.lock, each
// detected on its own and run in that order (an app with a package.json for its assets and a
// Gemfile.lock gets both). An app names its own build command in app.json instead, under
// `scripts.dozen.build` (beside Dokku's `scripts.dokku.*`), and then nothing is detected. Pure:
// the files come in through TreeFiles; steps and PATH entries are relative to the build folder.
import { DozenError } from '../errors.js';

/** The files at the top of the tree being built. */
export interface TreeFiles {
  has(name: string): boolean;
  /** Its text; undefined when there is no such file. */
  read(name: string): string | undefined;
}

export interface BuildStep {
  /** What the step does and the command it runs, as the progress heading shows it: `Installing dependencies (npm ci)`. */
  name: string;
  /** A program and its arguments (no shell; a path with a `/` is relative to the build folder), or a line for `sh -c`. */
  command: string[] | string;
  /** Variables added to the build's environment for this step. */
  env: Record<string, string>;
}

export interface BuildPlan {
  /** What was found: `Node.js`, `Python`, `Ruby`, or `app.json build command`; empty when nothing was. */
  detected: string[];
  steps: BuildStep[];
  /** Folders of the build, relative to it, that the processes find first on PATH (in this order). */
  paths: string[];
}

/** Where an app names its own build command: `{"scripts": {"dozen": {"build": "..."}}}`. */
export const CUSTOM_BUILD_FILE = 'app.json';
export const CUSTOM_BUILD_KEY = 'scripts.dozen.build';

/** npm with no network calls of its own beyond the registry (no audit, no funding notice, no update check). */
const NPM_ENV = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
const PIP_ENV = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };

/** The build steps for the tree; a DozenError for a package.json or app.json that cannot be read. */
export function planBuild(files: TreeFiles): BuildPlan {
  const custom = customBuildCommand(files);
  if (custom !== undefined) {
    return { detected: ['app.json build command'], steps: [{ name: `Running the build command (${CUSTOM_BUILD_FILE})`, command: custom, env: {} }], paths: [] };
  }
  const plan: BuildPlan = { detected: [], steps: [], paths: [] };
  for (const pack of [nodejs, python, ruby]) {
    const part = pack(files);
    if (part === undefined) continue;
    plan.detected.push(part.detected);
    plan.steps.push(...part.steps);
    plan.paths.push(...part.paths);
  }
  return plan;
}

interface PackPlan {
  detected: string;
  steps: BuildStep[];
  paths: string[];
}

function nodejs(files: TreeFiles): PackPlan | undefined {
  const text = files.read('package.json');
  if (text === undefined) return undefined;
  const pkg = jsonObject(text, 'package.json');
  const scripts = objectField(pkg, 'scripts', 'package.json');
  const locked = files.has('package-lock.json') || files.has('npm-shrinkwrap.json');
  // Dev dependencies are installed for the build script (whatever NODE_ENV says), then pruned.
  const steps: BuildStep[] = [
    locked
      ? { name: 'Installing dependencies (npm ci)', command: ['npm', 'ci', '--include=dev'], env: NPM_ENV }
      : { name: 'Installing dependencies (npm install)', command: ['npm', 'install', '--include=dev'], env: NPM_ENV },
  ];
  const script = ['heroku-postbuild', 'build'].find((name) => typeof scripts[name] === 'string');
  if (script !== undefined) steps.push({ name: `Building (npm run ${script})`, command: ['npm', 'run', script], env: NPM_ENV });
  const dev = objectField(pkg, 'devDependencies', 'package.json');
  if (Object.keys(dev).length > 0) {
    steps.push({ name: 'Removing devDependencies (npm prune --omit=dev)', command: ['npm', 'prune', '--omit=dev'], env: NPM_ENV });
  }
  return { detected: 'Node.js', steps, paths: ['node_modules/.bin'] };
}

function python(files: TreeFiles): PackPlan | undefined {
  const requirements = files.has('requirements.txt');
  if (!requirements && !files.has('pyproject.toml')) return undefined;
  const install: BuildStep = requirements
    ? { name: 'Installing requirements (pip install -r requirements.txt)', command: ['.venv/bin/pip', 'install', '-r', 'requirements.txt'], env: PIP_ENV }
    : { name: 'Installing the project (pip install .)', command: ['.venv/bin/pip', 'install', '.'], env: PIP_ENV };
  return {
    detected: 'Python',
    steps: [{ name: 'Creating a virtualenv (python3 -m venv .venv)', command: ['python3', '-m', 'venv', '.venv'], env: {} }, install],
    paths: ['.venv/bin'],
  };
}

function ruby(files: TreeFiles): PackPlan | undefined {
  if (!files.has('Gemfile.lock')) return undefined;
  // Set in the build's own .bundle/config, so `bundle exec` in the processes finds the gems too.
  const configure = ['path vendor/bundle', 'deployment true', 'without development:test'].map((kv) => `bundle config set --local ${kv}`);
  return {
    detected: 'Ruby',
    steps: [{ name: 'Installing gems (bundle install)', command: [...configure, 'bundle install'].join(' && '), env: {} }],
    paths: ['bin'],
  };
}

/** app.json's `scripts.dozen.build`, if the file names one. */
function customBuildCommand(files: TreeFiles): string | undefined {
  const text = files.read(CUSTOM_BUILD_FILE);
  if (text === undefined) return undefined;
  const app = jsonObject(text, CUSTOM_BUILD_FILE);
  const dozen = objectField(objectField(app, 'scripts', CUSTOM_BUILD_FILE), 'dozen', CUSTOM_BUILD_FILE, 'scripts.dozen');
  const build = dozen.build;
  if (build === undefined) return undefined;
  if (typeof build !== 'string' || build.trim() === '') {
    throw new DozenError('config', `${CUSTOM_BUILD_FILE}: ${CUSTOM_BUILD_KEY}: expected a command line (a non-empty string), got ${JSON.stringify(build)}`);
  }
  return build;
}

function jsonObject(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DozenError('config', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) throw new DozenError('config', `${file}: expected a JSON object, got ${describe(value)}`);
  return value;
}

/** `obj[key]` when it is an object, {} when absent; a DozenError for anything else. */
function objectField(obj: Record<string, unknown>, key: string, file: string, path = key): Record<string, unknown> {
  const value = obj[key];
  if (value === undefined) return {};
  if (!isObject(value)) throw new DozenError('config', `${file}: ${path}: expected an object, got ${describe(value)}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : JSON.stringify(value);
}
