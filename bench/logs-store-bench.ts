// `node dist/bench/logs-store-bench.js`: the log store's figures (issue 4), written to
// docs/benchmarks-logs.md. Not part of `npm test`.
//
//  1. Throughput: the 2 × N-line flood through a real `dozen start`, stdout to a file, with the
//     store on and off (--no-log-store), runs alternated; wall time until dozen exits (with the
//     store, that includes committing the last batch). Checks every line reached the store.
//  2. The store alone: insert rate, FTS indexing rate, size on disk for M lines.
//  3. Query latency over those M lines (default 1,000,000) through LogReader, as `dozen logs` runs it.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { LogReader } from '../src/logs/store/log-reader.js';
import { openStoreForWriting, storePath } from '../src/logs/store/store-db.js';
import type { ChunkMeta } from '../src/logs/store/batch.js';
import { StoreWriter } from '../src/logs/store/store-writer.js';
import { DEFAULT_RETENTION } from '../src/logs/store/retention.js';
import { parseLogQuery, type LogFilterOptions } from '../src/logs/query.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO, 'dist/src/cli/main.js');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    lines: { type: 'string', default: '200000' },
    'search-lines': { type: 'string', default: '1000000' },
    out: { type: 'string', default: join(REPO, 'docs/benchmarks-logs.md') },
  },
});
const RUNS = Number(values.runs);
const FLOOD = Number(values.lines);
const STORED = Number(values['search-lines']);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));

// ---- 1. flood through dozen start, store on vs off ------------------------------------------

const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV';
const flood = (name: string) => `awk -v n=${FLOOD} 'BEGIN { for (i = 1; i <= n; i++) printf "${name} %08d ${PAD}\\n", i }'`;

async function floodRun(store: boolean): Promise<{ ms: number; stored: number | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'dozen-logs-bench-'));
  try {
    writeFileSync(join(dir, 'Procfile'), `a: ${flood('a')}\nb: ${flood('b')}\n`);
    const out = openSync(join(dir, 'out.txt'), 'w');
    const args = [CLI, 'start', '-d', dir, '--can-die', 'a,b', '-p', '47000', '--no-color', ...(store ? [] : ['--no-log-store'])];
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', out, 'inherit'], env: { ...process.env, FORCE_COLOR: undefined } });
    closeSync(out);
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const took = performance.now() - t0;
    if (code !== 0) throw new Error(`dozen start exited with ${code}`);
    let stored: number | undefined;
    if (store) {
      // Through the reader: a flood's lines may still be in the spool (read from there).
      const reader = LogReader.open(join(dir, '.dozen'));
      stored = reader ? reader.query(parseLogQuery({ source: 'app', num: String(4 * FLOOD) }, Date.now())).length : 0;
      reader?.close();
    }
    return { ms: took, stored };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2. the store alone ---------------------------------------------------------------------

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ');

/** A plausible line of a web app or a worker; some rare words for selective searches. */
function lineText(i: number): { instance: string; text: string } {
  const r = (i * 2654435761) >>> 0;
  const w = (k: number) => WORDS[(r >>> k) % WORDS.length] as string;
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
      return { instance: `web.${(i % 4) + 1}`, text: `GET /api/items/${r % 100_000} status=${r % 97 === 0 ? 503 : 200} in ${r % 300}ms user-${r % 50_000} ${w(3)}` };
    case 6:
    case 7:
      return { instance: `worker.${(i % 2) + 1}`, text: `job ${i} processed ${w(5)} ${w(9)} in ${r % 2000}ms queue=${w(13)}` };
    case 8:
      return { instance: 'clock.1', text: `tick ${i} scheduled ${w(7)} report` };
    default:
      return {
        instance: `worker.${(i % 2) + 1}`,
        text: (r >>> 4) % 100 === 0 ? `ERROR payment declined for order ${r % 9999} (card expired) ${w(11)}` : `WARN slow query ${r % 500}ms on table ${w(2)}`,
      };
  }
}

function buildStore(dir: string, n: number): { insertPerSec: number; indexPerSec: number; bytes: number } {
  const db = openStoreForWriting(storePath(dir));
  const writer = new StoreWriter(db, { maxAgeMs: DEFAULT_RETENTION.maxAgeMs, maxLines: n });
  const spanUs = 7 * 86_400_000_000; // spread over the 7 days of the default retention
  const t0Us = Date.now() * 1000 - spanUs;
  const batch = 10_000;
  let insertMs = 0;
  for (let at = 0; at < n; at += batch) {
    const parts: Buffer[] = [];
    const chunks: ChunkMeta[] = [];
    let off = 0;
    // Chunks of 1 to 16 lines of one instance, as reads of a busy app bring them.
    for (let i = at; i < Math.min(n, at + batch); ) {
      const size = Math.min(1 + ((i * 7919) % 16), at + batch - i, n - i);
      const instance = lineText(i).instance;
      const data = Buffer.from(Array.from({ length: size }, (_, k) => `${lineText(i + k).text}\n`).join(''));
      chunks.push({ tsUs: Math.round(t0Us + (spanUs * i) / n), instance, source: 'app', stream: 'stdout', start: off, end: off + data.length });
      parts.push(data);
      off += data.length;
      i += size;
    }
    const bytes = Buffer.concat(parts);
    const t = performance.now();
    writer.write({ bytes, chunks });
    insertMs += performance.now() - t;
  }
  const t = performance.now();
  while (writer.indexSlice(50_000) > 0);
  const indexMs = performance.now() - t;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { insertPerSec: (n / insertMs) * 1000, indexPerSec: (n / indexMs) * 1000, bytes: statSync(storePath(dir)).size };
}

const QUERIES: Array<[string, LogFilterOptions]> = [
  ['`-n 100` (no filter)', {}],
  ['`--ps worker.2 -n 100`', { ps: 'worker.2' }],
  ['`--ps "web.*" --source app -n 100`', { ps: 'web.*', source: 'app' }],
  ['`--search GET -n 100` (a word in 60% of lines)', { search: 'GET' }],
  ['`--search payment -n 100` (0.1% of lines)', { search: 'payment' }],
  ['`--search \'"payment declined"\' -n 100` (phrase)', { search: '"payment declined"' }],
  ['`--search "user-4242"` (a few lines)', { search: 'user-4242' }],
  ['`--search nosuchword` (no match)', { search: 'nosuchword' }],
  ['`--search "payment" --ps "worker.*" -n 100`', { search: 'payment', ps: 'worker.*' }],
  ['`--search "GET" --ps clock -n 100` (many hits, none in the filter)', { search: 'GET', ps: 'clock' }],
  ['`--search "expired OR declined" -n 1000000` (every match)', { search: 'expired OR declined', num: '1000000' }],
  ['`--search "slo*" -n 100` (prefix)', { search: 'slo*' }],
  ['`--grep "status=503" -n 100` (regex, 1% of lines)', { grep: 'status=503' }],
  ['`--since 10m` (the last lines)', { since: '10m' }],
  ['`--since 3d --until 2d -n 100`', { since: '3d', until: '2d', num: '100' }],
  ['`--since 3d --until 2d` (a whole day, every line)', { since: '3d', until: '2d' }],
];

function timeQueries(dir: string): Array<{ label: string; medianMs: number; maxMs: number; rows: number }> {
  const reader = LogReader.open(dir);
  if (!reader) throw new Error('no store');
  const out = [];
  for (const [label, opts] of QUERIES) {
    const q = parseLogQuery(opts, Date.now());
    let rows = reader.query(q).length; // warm-up (page cache), as a second `dozen logs` would be
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      rows = reader.query(q).length;
      times.push(performance.now() - t);
    }
    out.push({ label, medianMs: median(times), maxMs: Math.max(...times), rows });
    console.log(`${label}: ${ms(median(times))} ms (${rows} rows)`);
  }
  reader.close();
  return out;
}

// ---- run and report -------------------------------------------------------------------------

async function main(): Promise<void> {
  const on: number[] = [];
  const off: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await floodRun(false);
    off.push(a.ms);
    const b = await floodRun(true);
    on.push(b.ms);
    stored.push(b.stored ?? 0);
    console.log(`flood run ${i + 1}: store off ${ms(a.ms)} ms, on ${ms(b.ms)} ms, stored ${b.stored}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dozen-logs-bench-store-'));
  let report: string;
  try {
    const build = buildStore(dir, STORED);
    console.log(`insert ${Math.round(build.insertPerSec)} lines/s, index ${Math.round(build.indexPerSec)} lines/s, ${(build.bytes / 2 ** 20).toFixed(0)} MiB`);
    const queries = timeQueries(dir);
    report = render(on, off, stored, build, queries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(values.out as string, report);
  console.log(`wrote ${values.out}`);
}

function render(
  on: number[],
  off: number[],
  stored: number[],
  build: { insertPerSec: number; indexPerSec: number; bytes: number },
  queries: Array<{ label: string; medianMs: number; maxMs: number; rows: number }>,
): string {
  const sqlite = (new Database(':memory:').prepare('SELECT sqlite_version()').pluck().get() as string) ?? '?';
  const lines = [
    '# Log store benchmarks',
    '',
    `Written by \`node dist/bench/logs-store-bench.js\` (${new Date().toISOString().slice(0, 10)}; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'},`,
    `Node ${process.version}, SQLite ${sqlite}). The machine is shared: figures are medians, compare within a run.`,
    '',
    `## Throughput with the store on and off (2 × ${FLOOD.toLocaleString('en-US')} lines)`,
    '',
    `\`dozen start --can-die a,b\` running two \`awk\` floods of ${FLOOD.toLocaleString('en-US')} 60-byte lines each, dozen's stdout`,
    'to a file, wall time until dozen exits. With the store the lines go to the spool (`logs.spool`, one',
    'append per batch on the main thread) and dozen exits without starting a writer thread; they are',
    `moved into the database by the next writer or \`dozen logs\`. ${RUNS} runs each, alternated.`,
    '',
    '| store | median | runs |',
    '|---|---|---|',
    `| off (\`--no-log-store\`) | ${ms(median(off))} ms | ${off.map(ms).join(', ')} |`,
    `| on (default) | ${ms(median(on))} ms | ${on.map(ms).join(', ')} |`,
    '',
    `Ratio on/off: **${(median(on) / median(off)).toFixed(2)}×** (goal: at most about 1.1×). Lines \`dozen logs\` reads back`,
    `after each run: ${stored.map((n) => n.toLocaleString('en-US')).join(', ')} of ${(2 * FLOOD).toLocaleString('en-US')}.`,
    '',
    `## The store alone, ${STORED.toLocaleString('en-US')} lines`,
    '',
    '| what | figure |',
    '|---|---|',
    `| insert (one transaction per 10,000 lines in chunks of 1-16 lines) | ${Math.round(build.insertPerSec).toLocaleString('en-US')} lines/s |`,
    `| FTS5 indexing (behind the inserts, in slices) | ${Math.round(build.indexPerSec).toLocaleString('en-US')} lines/s |`,
    `| size on disk, with the index | ${(build.bytes / 2 ** 20).toFixed(0)} MiB |`,
    '',
    `## Query latency over ${STORED.toLocaleString('en-US')} stored lines`,
    '',
    'Through `LogReader.query`, as `dozen logs` runs it (after one warm-up run; 15 timed runs). Lines',
    'spread over 7 days, in chunks of 1-16 lines; 60% web access lines, 20% worker lines, 10% clock,',
    '10% warnings (0.1% of all lines are "ERROR payment declined").',
    '',
    '| query | median | slowest | lines returned |',
    '|---|---|---|---|',
    ...queries.map((q) => `| ${q.label} | ${ms(q.medianMs)} ms | ${ms(q.maxMs)} ms | ${q.rows.toLocaleString('en-US')} |`),
    '',
  ];
  return lines.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
