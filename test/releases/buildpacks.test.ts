// Table tests: which build steps a tree's files call for, and the PATH entries they leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBuild, type TreeFiles } from '../../src/releases/buildpacks.js';
import { DozenError } from '../../src/errors.js';

const T = { timeout: 10_000 };

function tree(files: Record<string, string>): TreeFiles {
  return { has: (name) => name in files, read: (name) => files[name] };
}

/** [files, detected, steps as `name: command`, paths] */
const TABLE: Array<[string, Record<string, string>, string[], string[], string[]]> = [
  ['nothing to build', { Procfile: 'web: ./serve' }, [], [], []],
  [
    'Node.js with a lockfile and a build script',
    { 'package.json': '{"scripts":{"build":"tsc","start":"node ."}}', 'package-lock.json': '{}' },
    ['Node.js'],
    ['Installing dependencies (npm ci): npm ci --include=dev', 'Building (npm run build): npm run build'],
    ['node_modules/.bin'],
  ],
  [
    'Node.js with a shrinkwrap file',
    { 'package.json': '{}', 'npm-shrinkwrap.json': '{}' },
    ['Node.js'],
    ['Installing dependencies (npm ci): npm ci --include=dev'],
    ['node_modules/.bin'],
  ],
  [
    'Node.js without a lockfile, heroku-postbuild wins over build',
    { 'package.json': '{"scripts":{"build":"a","heroku-postbuild":"b"}}' },
    ['Node.js'],
    ['Installing dependencies (npm install): npm install --include=dev', 'Building (npm run heroku-postbuild): npm run heroku-postbuild'],
    ['node_modules/.bin'],
  ],
  [
    'Node.js with devDependencies: pruned after the build',
    { 'package.json': '{"scripts":{"build":"tsc"},"devDependencies":{"typescript":"5"}}', 'package-lock.json': '{}' },
    ['Node.js'],
    [
      'Installing dependencies (npm ci): npm ci --include=dev',
      'Building (npm run build): npm run build',
      'Removing devDependencies (npm prune --omit=dev): npm prune --omit=dev',
    ],
    ['node_modules/.bin'],
  ],
  [
    'a build script that is not a string is no build script',
    { 'package.json': '{"scripts":{"build":true}}' },
    ['Node.js'],
    ['Installing dependencies (npm install): npm install --include=dev'],
    ['node_modules/.bin'],
  ],
  [
    'Python with requirements.txt',
    { 'requirements.txt': '' },
    ['Python'],
    ['Creating a virtualenv (python3 -m venv .venv): python3 -m venv .venv', 'Installing requirements (pip install -r requirements.txt): .venv/bin/pip install -r requirements.txt'],
    ['.venv/bin'],
  ],
  [
    'Python with pyproject.toml only',
    { 'pyproject.toml': '[project]\nname = "a"\n' },
    ['Python'],
    ['Creating a virtualenv (python3 -m venv .venv): python3 -m venv .venv', 'Installing the project (pip install .): .venv/bin/pip install .'],
    ['.venv/bin'],
  ],
  [
    'Python with both: requirements.txt wins',
    { 'requirements.txt': 'flask\n', 'pyproject.toml': '' },
    ['Python'],
    ['Creating a virtualenv (python3 -m venv .venv): python3 -m venv .venv', 'Installing requirements (pip install -r requirements.txt): .venv/bin/pip install -r requirements.txt'],
    ['.venv/bin'],
  ],
  [
    'Ruby with Gemfile.lock: gems into vendor/bundle, set in the build',
    { Gemfile: '', 'Gemfile.lock': '' },
    ['Ruby'],
    [
      'Installing gems (bundle install): bundle config set --local path vendor/bundle && bundle config set --local deployment true && bundle config set --local without development:test && bundle install',
    ],
    ['bin'],
  ],
  ['Ruby needs the lockfile', { Gemfile: '' }, [], [], []],
  [
    'Node.js and Ruby (assets): both, Node.js first',
    { 'package.json': '{}', 'Gemfile.lock': '' },
    ['Node.js', 'Ruby'],
    ['Installing dependencies (npm install): npm install --include=dev', 'Installing gems (bundle install): bundle config set --local path vendor/bundle && bundle config set --local deployment true && bundle config set --local without development:test && bundle install'],
    ['node_modules/.bin', 'bin'],
  ],
  [
    "app.json's build command replaces what would be detected",
    { 'package.json': '{"scripts":{"build":"x"}}', 'requirements.txt': '', 'app.json': '{"scripts":{"dozen":{"build":"make all && ./bin/compile"}}}' },
    ['app.json build command'],
    ['Running the build command (app.json): make all && ./bin/compile'],
    [],
  ],
  [
    'an app.json without the key changes nothing',
    { 'requirements.txt': '', 'app.json': '{"name":"a","scripts":{"postdeploy":"rake db:seed","dokku":{"predeploy":"x"}}}' },
    ['Python'],
    ['Creating a virtualenv (python3 -m venv .venv): python3 -m venv .venv', 'Installing requirements (pip install -r requirements.txt): .venv/bin/pip install -r requirements.txt'],
    ['.venv/bin'],
  ],
];

test('planBuild: detection as the buildpacks do it, or the app.json command', T, () => {
  for (const [what, files, detected, steps, paths] of TABLE) {
    const plan = planBuild(tree(files));
    const shown = plan.steps.map((s) => `${s.name}: ${typeof s.command === 'string' ? s.command : s.command.join(' ')}`);
    assert.deepEqual({ detected: plan.detected, steps: shown, paths: plan.paths }, { detected, steps, paths }, what);
  }
});

test('planBuild: npm runs without audit, funding or update checks; pip without its version check', T, () => {
  const node = planBuild(tree({ 'package.json': '{"scripts":{"build":"x"}}' }));
  for (const step of node.steps) assert.deepEqual(step.env, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
  const python = planBuild(tree({ 'requirements.txt': '' }));
  assert.equal(python.steps[1]?.env.PIP_DISABLE_PIP_VERSION_CHECK, '1');
});

test('planBuild: files that cannot be read are one-line config errors', T, () => {
  const table: Array<[Record<string, string>, RegExp]> = [
    [{ 'package.json': '{"name": ' }, /^package\.json: not valid JSON \(/],
    [{ 'package.json': '[]' }, /^package\.json: expected a JSON object, got an array$/],
    [{ 'package.json': '{"scripts": "build"}' }, /^package\.json: scripts: expected an object, got "build"$/],
    [{ 'app.json': '{"scripts":{"dozen":{"build":""}}}' }, /^app\.json: scripts\.dozen\.build: expected a command line \(a non-empty string\), got ""$/],
    [{ 'app.json': '{"scripts":{"dozen":{"build":["make"]}}}' }, /^app\.json: scripts\.dozen\.build: expected a command line \(a non-empty string\), got \["make"\]$/],
    [{ 'app.json': '{"scripts":{"dozen":"make"}}' }, /^app\.json: scripts\.dozen: expected an object, got "make"$/],
    [{ 'app.json': 'null' }, /^app\.json: expected a JSON object, got null$/],
  ];
  for (const [files, message] of table) {
    assert.throws(
      () => planBuild(tree(files)),
      (err: unknown) => err instanceof DozenError && err.code === 'config' && message.test(err.oneLine()),
      JSON.stringify(files),
    );
  }
});
