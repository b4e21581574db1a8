// Small in-memory apps for the checks' unit tests: only what a test names, the rest empty.
import type { AppFacts } from '../../src/doctor/types.js';

export interface FactsSpec {
  files?: Record<string, string>;
  procfile?: string;
  env?: Record<string, string>;
  /** Tracked paths; undefined: no repository. */
  tracked?: string[];
}

export function appFacts(spec: FactsSpec = {}): AppFacts {
  const facts: AppFacts = {
    root: '/app',
    envFiles: [],
    config: {},
    files: Object.entries(spec.files ?? {}).map(([path, text]) => ({ path, text })),
  };
  if (spec.procfile !== undefined) {
    const entries = spec.procfile.split('\n').flatMap((text, i) => {
      const m = /^([\w-]+):\s*(.*)$/.exec(text);
      return m ? [{ name: m[1] as string, command: m[2] as string, line: i + 1 }] : [];
    });
    facts.procfile = { path: 'Procfile', entries };
  }
  if (spec.env !== undefined) {
    facts.envFiles = [{ path: '.env', entries: Object.entries(spec.env).map(([key, value], i) => ({ key, value, line: i + 1 })) }];
    facts.config = { ...spec.env };
  }
  if (spec.tracked !== undefined) facts.git = { root: '/app', tracked: new Set(spec.tracked) };
  return facts;
}
