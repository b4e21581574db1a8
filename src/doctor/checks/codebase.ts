// Factor I, Codebase: one codebase tracked in revision control. The app is in a git repository,
// and what defines how it runs (its Procfile, its dependency manifests and lockfiles) is tracked.
import type { AppFacts, Check, Finding } from '../types.js';
import { count, passed, problem } from './findings.js';
import { manifestFiles } from './manifests.js';

export const gitRepository: Check<AppFacts> = {
  id: 'codebase.git',
  factor: 'I',
  run(facts) {
    if (facts.git === undefined) {
      return [
        problem('codebase.git', 'fail', 'the app is not in a git repository (or git is not installed)', facts.root, 'git init, then commit the app: every deploy is made from one tracked codebase'),
      ];
    }
    return [passed('codebase.git', 'the app is in a git repository', `${facts.git.root}: ${count(facts.git.tracked.size, 'tracked file')} in the app`)];
  },
};

export const definitionsTracked: Check<AppFacts> = {
  id: 'codebase.tracked',
  factor: 'I',
  run(facts) {
    const git = facts.git;
    if (git === undefined) return [];
    const wanted = [...(facts.procfile ? [facts.procfile.path] : []), ...manifestFiles(facts).map((m) => m.path)];
    const untracked = wanted.filter((path) => !git.tracked.has(path));
    if (untracked.length === 0) {
      return [passed('codebase.tracked', 'the Procfile and the dependency manifests are tracked', wanted.join(', ') || 'no Procfile or manifest to track')];
    }
    return untracked.map(
      (path): Finding =>
        problem('codebase.tracked', 'fail', `${path} is not tracked by git`, path, `git add ${path} and commit it: a deploy from the repository would run without it`, { file: path }),
    );
  },
};
