// Factor III, Config: stored in the environment, not in the code. No env file with values in
// the repository, no secret written in the source.
import type { AppFacts, Check, Finding, SourceFile } from '../types.js';
import { capped, count, passed, problem } from './findings.js';
import { maskedEnvValue, secretsIn } from './secrets.js';
import { baseName, isCommentLine, isEnvFile, isScannedCode, isTestFile, linesOf } from './source-kinds.js';
import { scanSource } from './source-scan.js';

export const envFileTracked: Check<AppFacts> = {
  id: 'config.env-tracked',
  factor: 'III',
  run(facts) {
    const git = facts.git;
    if (git === undefined) return [];
    // The env files read, and the others of the app (a test's fixtures are not the app's config).
    const others = facts.files.filter((f) => isEnvFile(f.path) && !isTestFile(f.path)).map((f) => f.path);
    const paths = new Set([...facts.envFiles.map((e) => e.path), ...others]);
    const tracked = [...paths].filter((p) => git.tracked.has(p)).sort();
    if (tracked.length === 0) return [passed('config.env-tracked', 'no env file is tracked by git', paths.size === 0 ? 'no env file' : [...paths].join(', '))];
    return tracked.map((path): Finding => {
      const entries = envEntries(facts, path);
      const secrets = entries.map((e) => ({ ...e, ...maskedEnvValue(e.key, e.value) })).filter((e) => e.secret);
      const fix = `git rm --cached ${path}, list it in .gitignore, and commit a ${path}.example with the keys only`;
      const first = secrets[0];
      if (first) {
        const shown = secrets.slice(0, 3).map((s) => s.masked).join(', ');
        return problem('config.env-tracked', 'fail', `${path} is tracked by git and holds ${count(secrets.length, 'secret')}`, shown, fix, { file: path, line: first.line });
      }
      return problem('config.env-tracked', 'warn', `${path} is tracked by git: config that differs between deploys is in the codebase`, `${count(entries.length, 'value')}: ${entries.slice(0, 5).map((e) => e.key).join(', ')}`, fix, { file: path });
    });
  },
};

/** An env file's entries: as read (when it was one of the app's env files), else by a plain `KEY=value` reading. */
function envEntries(facts: AppFacts, path: string): Array<{ key: string; value: string; line: number }> {
  const read = facts.envFiles.find((e) => e.path === path);
  if (read) return read.entries;
  const text = facts.files.find((f) => f.path === path)?.text ?? '';
  return linesOf(text).flatMap((line, i) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*[=:]\s*(.*?)\s*$/.exec(line);
    return m && !isCommentLine(line) ? [{ key: m[1] as string, value: (m[2] as string).replace(/^(["'])(.*)\1$/, '$2'), line: i + 1 }] : [];
  });
}

export const secretInSource: Check<AppFacts> = {
  id: 'config.secret-in-source',
  factor: 'III',
  run(facts) {
    // A private key counts in any file (key.pem), but not in tests, docs or env files.
    const keysOnly = (file: SourceFile) => !isScannedCode(file) && !isTestFile(file.path) && !isEnvFile(file.path) && !/\.(md|rst|txt|adoc|html)$/i.test(baseName(file.path));
    const { read, findings } = scanSource(facts, (file) => isScannedCode(file) || keysOnly(file), ({ file, line, text, comment, fallback }) =>
      secretsIn(text)
        .filter((secret) => secret.kind === 'private-key' || (!comment && !keysOnly(file)))
        .map((secret) =>
          problem(
            'config.secret-in-source',
            fallback ? 'warn' : 'fail',
            fallback ? 'a secret is written in the source as the default of a config read' : `a secret is written in the source (${secret.kind.replace('-', ' ')})`,
            secret.masked,
            fallback ? 'drop the default: a missing secret should stop the app, not fall back to one in the code' : 'read it from the config (an environment variable), remove it from the code and rotate it: it is in the repository history',
            { file: file.path, line },
          ),
        ),
    );
    if (findings.length > 0) return capped(findings);
    return [passed('config.secret-in-source', 'no secret written in the source', `${count(read, 'source file')} read`)];
  },
};
