// `dozen build [--ref REF] [--json] [-d DIR]`: a build of a commit of the app's repository, with
// its progress streamed as Heroku streams a build (with --json, on stderr, and stdout holds only
// the result). The lines are also stored (`dozen logs --source build`). A failed build is one
// error line and exit code 1; Ctrl-C (or SIGTERM) stops the running step and keeps nothing.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DozenError } from '../../errors.js';
import { ensureStateDir } from '../../platform/state-dir.js';
import { exitCodeForSignal } from '../../platform/signals.js';
import { onShutdownSignals } from '../../platform/shutdown-signals.js';
import { runBuild, type BuildRecord } from '../../releases/build.js';
import { failureLine, INDENT, startLines, stepLine, summaryLine } from '../../releases/build-report.js';
import { flag } from '../options.js';
import { oneLine, printJson } from '../print.js';

export interface BuildOptions {
  ref?: string;
  json: boolean;
  root?: string;
}

/** The `--json` shape. */
export type BuildReport = Pick<BuildRecord, 'id' | 'commit' | 'status' | 'durationMs' | 'path'>;

export function register(program: Command): void {
  program
    .command('build')
    .description("build a commit of the app's git repository: its files, then the detected (or app.json's) build steps, into a new read-only build")
    .addOption(flag('--ref <ref>', 'the branch, tag or commit to build (default: HEAD)'))
    .addOption(flag('--json', 'print {id, commit, status, durationMs, path} as JSON; the progress goes to stderr', false))
    .addOption(flag('-d, --root <dir>', 'the app: a git working tree (or a folder in one) or a bare repository (default: the current folder)'))
    .action(async (opts: BuildOptions) => {
      await buildFromCli(opts);
    });
}

/** A build with its progress printed; the record of a success, else a DozenError (deploy uses it too). */
export async function buildFromCli(opts: BuildOptions): Promise<BuildRecord> {
  const root = resolve(opts.root ?? '.');
  // Before the state folder is made in it.
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new DozenError('config', `${root}: no such folder (the app root)`);
  const out = opts.json ? process.stderr : process.stdout;
  const print = (stream: NodeJS.WriteStream, text: string) => stream.write(`${text}\n`);
  const abort = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const removeSignals = onShutdownSignals({
    graceful: (signal) => {
      stoppedBy = signal;
      abort.abort();
    },
    // The running step already gets SIGKILL if SIGTERM has not stopped it within a few seconds.
    force: () => undefined,
  });
  let record: BuildRecord;
  try {
    record = await runBuild({
      root,
      stateDir: ensureStateDir(root),
      ref: opts.ref,
      signal: abort.signal,
      onWarning: (text) => print(process.stderr, `dozen: ${oneLine(text)}`),
      onStart: (start) => startLines(start).forEach((line) => print(out, line)),
      onStep: (event) => print(out, stepLine(event)),
      // Each stream stays itself, unless stdout is for the JSON.
      onLine: (line, stream) => print(stream === 'stderr' ? process.stderr : out, line === '' ? '' : `${INDENT}${line}`),
    });
  } finally {
    removeSignals();
  }
  if (opts.json) printJson(report(record));
  if (record.status === 'succeeded') {
    print(out, summaryLine(record));
    return record;
  }
  if (stoppedBy !== undefined) {
    throw new DozenError('build', `build ${record.id} was stopped by ${stoppedBy}; nothing was kept`, { exitCode: exitCodeForSignal(stoppedBy) });
  }
  throw new DozenError('build', failureLine(record));
}

export function report(record: BuildRecord): BuildReport {
  return { id: record.id, commit: record.commit, status: record.status, durationMs: record.durationMs, path: record.path };
}
