// `dozen logs`: the app's stored lines (its own, dozen's and its builds'), filtered, as Logplex text or JSON;
// `--tail` keeps printing new lines. It reads the log store directly: it works while the app runs
// (WAL lets readers in beside the writer) and after it stopped. While dozen runs, `--tail` follows
// through its control API, which pushes new lines as they are stored; otherwise it polls.
// Before each read it has the store maintained (a spool moved in, a crash's backlog indexed) on a
// write connection of its own: the reader only reads.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { DozenError } from '../../errors.js';
import { formatJson, formatLogplex } from '../../logs/logplex-format.js';
import { parseLogQuery, type LogFilterOptions, type LogQuery } from '../../logs/query.js';
import { ControlClient, type WireEvent } from '../../control/client.js';
import type { LogFilter } from '../../control/protocol.js';
import { controlSocketPath } from '../../control/socket-path.js';
import { LogReader } from '../../logs/store/log-reader.js';
import { StoreMaintenance } from '../../logs/store/store-maintenance.js';
import type { StoredLine } from '../../logs/store/stored-line.js';
import { checkStateDir, stateDirFor } from '../../platform/state-dir.js';
import { matchInstances, type NamedInstance } from '../../control/match-instances.js';
import { flag } from '../options.js';
import { printWarnings } from '../print.js';
import { controlRoot } from './control.js';

/** How often `--tail` looks for new rows without a running dozen: the store commits every ~250 ms anyway. */
const TAIL_POLL_MS = 200;

/** While polling, how often `--tail` looks for a dozen to follow through instead (it may start later). */
const RECONNECT_POLLS = 10;

interface LogsOptions extends LogFilterOptions {
  procfile?: string;
  root?: string;
  tail: boolean;
  t?: boolean;
  json: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('logs')
    .description("show the app's stored log lines (its processes' and dozen's own), newest last; -f follows")
    .addOption(flag('-n, --num <lines>', 'how many of the last matching lines (default: 100; all with --since/--until)'))
    .addOption(flag('-f, --tail', 'keep printing new lines as they are stored (also -t)', false))
    .addOption(flag('-t', 'same as --tail').hideHelp())
    .addOption(flag('--ps <pattern>', 'only these instances: a type (web), an instance (web.2) or a glob (web.*)'))
    .addOption(flag('--source <source>', "only the apps' lines (app), dozen's own (dozen) or the builds' (build)"))
    .addOption(flag('--grep <regex>', 'only lines matching this JavaScript regular expression'))
    .addOption(flag('--search <query>', 'full-text search (SQLite FTS5 syntax: words, "a phrase", pre*, AND/OR/NOT, NEAR)'))
    .addOption(flag('--since <time>', 'from this time: 10m, 2h, 1d ago or a timestamp (2026-11-28T16:40:00Z)'))
    .addOption(flag('--until <time>', 'before this time (same forms as --since)'))
    .addOption(flag('--json', 'one JSON object per line', false))
    // The app is found as `dozen start` finds it; no .env is read. (-f is --tail here, as in tail -f.)
    .addOption(flag('--procfile <path>', 'Procfile of the app (default: Procfile in --root, else here)'))
    .addOption(flag('-d, --root <dir>', 'app root (default: the Procfile\'s folder)'));
  cmd.action((opts: LogsOptions) => logs(opts));
}

async function logs(opts: LogsOptions): Promise<void> {
  const tail = opts.tail || opts.t === true;
  const query = parseLogQuery(opts, Date.now());
  if (tail && query.untilUs !== undefined) throw new DozenError('usage', '--until cannot be combined with --tail');
  const root = controlRoot(opts);
  const stateDir = stateDirFor(root);
  checkStateDir(stateDir);
  const format = opts.json ? formatJson : formatLogplex;
  const out = new LineWriter(process.stdout);

  const maintenance = new StoreMaintenance(stateDir);
  const open = () => {
    const notice = maintenance.createStoreFromSpool();
    if (notice !== undefined) printWarnings([notice]);
    return LogReader.open(stateDir);
  };
  let reader = open();
  if (!reader && !tail) {
    throw new DozenError('control', `no logs stored for the app in ${root} yet (no store in ${stateDir}); they appear once it runs under dozen start`);
  }
  // `dozen logs -f` before the app ever ran: wait for the store to appear.
  while (!reader && !out.closed) {
    await sleep(TAIL_POLL_MS * 5);
    reader = open();
  }
  if (!reader) return;
  try {
    maintenance.catchUp(reader.backlog(), { search: query.search !== undefined });
    if (query.ps !== undefined) checkPsPattern(query.ps, reader.instances(), tail);
    const first = reader.snapshot(query);
    await out.write(first.lines, format);
    if (!tail) return;
    const live: LogQuery = { ...query, limit: undefined, sinceUs: undefined };
    const filter = wireFilter(opts);
    let cursor = first.cursor;
    let polls = 0;
    while (!out.closed) {
      if (polls % RECONNECT_POLLS === 0) {
        const followed = await followThroughDozen(controlSocketPath(stateDir), filter, cursor, out, format);
        if (followed !== undefined) {
          cursor = followed; // dozen stopped: its last lines are in; keep following by polling
          polls = 0;
        }
      }
      maintenance.catchUp(reader.backlog(), { search: false }); // --tail searches its few new lines in memory
      const next = reader.after(cursor, live);
      cursor = next.cursor;
      await out.write(next.lines, format);
      if (next.lines.length === 0) {
        polls += 1;
        await sleep(TAIL_POLL_MS);
      }
    }
  } finally {
    reader.close();
  }
}

/**
 * A `--ps` that names no instance the store has lines of is a typo, as for `dozen stop`: an error,
 * or with `--tail` (the instance may start later) a warning before following.
 */
function checkPsPattern(pattern: string, instances: NamedInstance[], tail: boolean): void {
  const matched = matchInstances([pattern], instances);
  if (matched.ok) return;
  const message = `--ps: ${matched.message.replace('matched no instance', 'matches no instance with stored lines')}`;
  if (!tail) throw new DozenError('usage', message);
  printWarnings([`${message}; following in case it starts`]);
}

/** The filters as the control API takes them: the flags as given (the server parses them alike). */
function wireFilter(opts: LogsOptions): LogFilter {
  const { num, ps, source, grep, search, since, until } = opts;
  return Object.fromEntries(Object.entries({ num, ps, source, grep, search, since, until }).filter(([, v]) => v !== undefined));
}

/**
 * Follows through the control API of the dozen running for the app: it pushes each committed
 * batch. Resolves with the cursor (the last line printed) once dozen hangs up or the output
 * closes; undefined if no dozen serves logs now (none runs, it is starting, it keeps no store).
 */
async function followThroughDozen(
  socketPath: string,
  filter: LogFilter,
  cursor: number,
  out: LineWriter,
  format: (l: StoredLine) => string,
): Promise<number | undefined> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(socketPath, 2000);
  } catch {
    return undefined;
  }
  let last = cursor;
  let writing = Promise.resolve();
  let unwritten = 0;
  const onEvent = (event: WireEvent) => {
    if (event.type === 'log-error') return client.close(); // dozen cannot read its store: poll it here
    if (event.type !== 'log-lines') return;
    const lines = event.lines as StoredLine[];
    last = lines.at(-1)?.id ?? last;
    // Read no more while lines wait for stdout: dozen then stops reading the store for us.
    if (unwritten++ === 0) client.pause();
    writing = writing
      .then(() => out.write(lines, format))
      .then(() => {
        if (--unwritten === 0) client.resume();
      });
  };
  try {
    await client.call({ method: 'logs', params: { filter, follow: true, after: cursor } }, onEvent);
  } catch {
    client.close();
    await writing;
    return last === cursor ? undefined : last; // lines already printed are not printed again
  }
  await Promise.race([client.closed, out.whenClosed()]);
  client.close();
  await writing;
  return last;
}

/** Writes lines in blocks and waits for the pipe to drain: a million lines never pile up in memory. */
class LineWriter {
  closed = false;
  private readonly closing: Promise<void>;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // `dozen logs | head`: the reader went away (EPIPE); stop quietly, as for any write error.
    this.closing = new Promise((resolve) =>
      stream.on('error', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  /** Resolves when the output went away. */
  whenClosed(): Promise<void> {
    return this.closing;
  }

  async write(lines: StoredLine[], format: (l: StoredLine) => string): Promise<void> {
    for (let i = 0; i < lines.length && !this.closed; i += 1000) {
      let block = '';
      for (const line of lines.slice(i, i + 1000)) block += `${format(line)}\n`;
      if (!this.stream.write(block)) await this.drained();
    }
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}
