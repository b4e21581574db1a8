// Factor VIII, Concurrency (static part): the app is made of process types, declared in a
// Procfile, that scale out one by one.
import type { AppFacts, Check } from '../types.js';
import { count, passed, problem } from './findings.js';

export const processTypesDeclared: Check<AppFacts> = {
  id: 'concurrency.procfile',
  factor: 'VIII',
  run(facts) {
    const procfile = facts.procfile;
    if (procfile === undefined) {
      return [problem('concurrency.procfile', 'fail', 'the app has no Procfile: its process types are not declared', 'no Procfile in the app root', 'write a Procfile, one line per process type: `web: COMMAND`, `worker: COMMAND`')];
    }
    const types = procfile.entries.filter((e) => e.name !== 'release');
    if (types.length === 0) {
      return [problem('concurrency.procfile', 'fail', 'the Procfile declares no process type', procfile.path, 'add a line per process type: `web: COMMAND`', { file: procfile.path })];
    }
    return [passed('concurrency.procfile', `the Procfile declares ${count(types.length, 'process type')}`, types.map((e) => e.name).join(', '))];
  },
};
