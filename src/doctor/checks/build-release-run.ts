// Factor V, Build, release, run (static part): a run command that builds (installs packages,
// compiles) does at every start, on every instance, what belongs to the build.
import { procfileCheck } from './procfile-check.js';
import { scriptWords } from './shell-words.js';

/** The build step a command's words are (`npm install`), or undefined; `make` is only maybe one. */
export function buildStep(words: readonly string[]): { step: string; certain: boolean } | undefined {
  const [program = '', a = '', b = ''] = scriptWords(words);
  const step = (n: number) => ({ step: [program, a, b].slice(0, n).join(' '), certain: true });
  const sub = (names: string[]) => names.includes(a);
  switch (program) {
    case 'npm':
      return sub(['install', 'i', 'ci', 'add']) ? step(2) : (sub(['run', 'run-script']) && b === 'build') ? step(3) : undefined;
    case 'yarn':
      return a === '' || sub(['install', 'add', 'build']) ? step(2) : a === 'run' && b === 'build' ? step(3) : undefined;
    case 'pnpm':
    case 'bun':
      return sub(['install', 'i', 'add', 'build']) ? step(2) : a === 'run' && b === 'build' ? step(3) : undefined;
    case 'pip':
    case 'pip3':
    case 'gem':
    case 'composer':
      return a === 'install' ? step(2) : undefined;
    case 'poetry':
    case 'pipenv':
    case 'bundle':
      return a === 'install' ? step(2) : undefined;
    case 'uv':
      return a === 'sync' || (a === 'pip' && b === 'install') ? step(a === 'sync' ? 2 : 3) : undefined;
    case 'go':
      return sub(['build', 'get', 'install']) || (a === 'mod' && b === 'download') ? step(a === 'mod' ? 3 : 2) : undefined;
    case 'cargo':
      return sub(['build', 'install']) ? step(2) : undefined;
    case 'mvn':
      return sub(['package', 'install', 'compile']) ? step(2) : undefined;
    case 'gradle':
    case 'gradlew':
      return sub(['build', 'assemble']) ? step(2) : undefined;
    case 'mix':
      return sub(['deps.get', 'compile']) ? step(2) : undefined;
    case 'apt-get':
    case 'apt':
    case 'apk':
    case 'yum':
    case 'dnf':
      return sub(['install', 'add']) ? step(2) : undefined;
    case 'tsc':
      return words.includes('--noEmit') ? undefined : step(1);
    case 'webpack':
      return a === 'serve' || words.includes('--watch') ? undefined : step(1);
    case 'vite':
    case 'next':
    case 'nuxt':
      return a === 'build' ? step(2) : undefined;
    case 'manage.py':
    case 'django-admin':
      return a === 'collectstatic' ? step(2) : undefined;
    case 'rake':
    case 'rails':
      return a === 'assets:precompile' ? step(2) : undefined;
    case 'make':
      return { step: [program, a].join(' ').trim(), certain: false };
    default:
      return undefined;
  }
}

export const buildStepInRun = procfileCheck({
  id: 'build.step-in-run',
  factor: 'V',
  pass: 'no build step in the run commands',
  withRelease: true,
  problems: (entry) =>
    entry.commands.flatMap((c) => {
      const found = buildStep(c.words);
      if (found === undefined) return [];
      return [
        {
          status: found.certain ? 'fail' : 'warn',
          message: found.certain ? `"${entry.name}" runs a build step at every start: ${found.step}` : `"${entry.name}" runs ${found.step}, which may be a build step`,
          fix: "move it to the build (app.json scripts.dozen.build, or the buildpack's step); the run command only starts the process",
        },
      ];
    }),
});
