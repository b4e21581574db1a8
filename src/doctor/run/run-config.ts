// Factor XII's second question: does a one-off process get the same config as the formation's?
// The doctor runs the real CLI, `dozen run -d ROOT [-f PROCFILE] -e FILES 'env -0'`, reads what
// that command saw, and compares it key by key with what an instance of the formation got
// (its /proc/<pid>/environ). Only keys are ever reported, never values.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { signalGroup } from '../../platform/signals.js';
import type { AppFacts } from '../types.js';
import { parseEnviron } from './proc-watch.js';

/** Keys dozen sets per instance (or the doctor per run): not part of the app's config. */
const PER_INSTANCE = new Set(['PORT', 'PS', 'DYNO']);

export interface RunEnvResult {
  env?: Map<string, string>;
  /** Why no environment could be read. */
  problem?: string;
}

/** Output beyond this is not kept: an environment is a few KiB. */
const MAX_OUTPUT_BYTES = 1 << 20;

/** The argv of `dozen run` for the app the facts describe, printing its environment NUL-separated. */
export function runEnvArgs(facts: AppFacts): string[] {
  const args = ['run', '-d', facts.root];
  if (facts.procfile !== undefined) args.push('-f', resolve(facts.root, facts.procfile.path));
  args.push('-e', facts.envFiles.map((f) => f.path).join(','));
  // One argument with a blank: `dozen run` hands it to sh, whatever the Procfile's type names.
  args.push('env -0');
  return args;
}

/**
 * Runs `dozen run ... 'env -0'` in a process group of its own, with `env` as its environment;
 * killed (the whole group) after `timeoutMs`.
 */
export function readRunEnv(dozenCli: string, facts: AppFacts, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunEnvResult> {
  const viaNode = /\.[cm]?js$/.test(dozenCli);
  const file = viaNode ? process.execPath : dozenCli;
  const args = viaNode ? [dozenCli, ...runEnvArgs(facts)] : runEnvArgs(facts);
  return new Promise((done) => {
    const child = spawn(file, args, { cwd: facts.root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) out.push(chunk);
    });
    // Its error line may quote an env file's line, a secret perhaps: not kept.
    child.stderr.resume();
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      done({ problem: `dozen run could not be started (${dozenCli}): ${err.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return done({ env: parseEnviron(Buffer.concat(out).toString('utf8')) });
      const why = signal === 'SIGKILL' ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : signal ? `was terminated by ${signal}` : `exited with code ${code}`;
      done({ problem: `dozen run ${why}` });
    });
  });
}

/** The config keys whose values differ between the two environments (a key missing on one side differs). */
export function differingKeys(config: Record<string, string>, instanceEnv: Map<string, string>, runEnv: Map<string, string>): string[] {
  return Object.keys(config)
    .filter((key) => !PER_INSTANCE.has(key) && instanceEnv.get(key) !== runEnv.get(key))
    .sort();
}
