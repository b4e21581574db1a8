// Factor VI, Processes (static part): stateless, sharing nothing. A SQLite database in the
// config keeps the app's data on one machine's disk, which no other instance sees.
import type { AppFacts, Check, Finding } from '../types.js';
import { passed, problem } from './findings.js';

const SQLITE = /^sqlite[0-9]*:/i;
const IN_MEMORY = /:memory:|mode=memory/i;

export const sqliteInConfig: Check<AppFacts> = {
  id: 'processes.sqlite-config',
  factor: 'VI',
  run(facts) {
    const findings: Finding[] = [];
    for (const file of facts.envFiles) {
      for (const e of file.entries) {
        if (!SQLITE.test(e.value.trim()) || IN_MEMORY.test(e.value)) continue;
        findings.push(
          problem('processes.sqlite-config', 'fail', `${e.key} is a SQLite database: the data stays on one machine's disk`, `${e.key}=${e.value}`, 'attach a database server (PostgreSQL, MySQL) by its URL in the config', { file: file.path, line: e.line }),
        );
      }
    }
    if (findings.length > 0) return findings;
    return [passed('processes.sqlite-config', 'no SQLite database in the config', `${Object.keys(facts.config).length} config keys read`)];
  },
};
