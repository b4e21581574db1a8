// `npm run bench`: runs the scenarios of issue 3 against dozen, plain sh and the peers found on
// this machine, and writes docs/benchmarks.md. Not part of `npm test`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pickList, positive } from './cli-args.js';
import { MANAGERS, REPO_ROOT, type Manager } from './managers.js';
import { renderReport, type Results } from './report.js';
import { flood, idle, settings, shutdown, survivors, webReady, type Measurement, type Metric } from './scenarios.js';

const SCENARIOS = ['flood', 'web', 'shutdown', 'rss', 'start100', 'survivors'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    managers: { type: 'string' },
    lines: { type: 'string', default: '200000' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs/benchmarks.md') },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    /** Re-render the page from the raw results a previous run saved, without running anything. */
    from: { type: 'string' },
  },
});

settings.keep = values.keep!;
const runs = positive('--runs', values.runs!);
const floodLines = positive('--lines', values.lines!);
const only = pickList('--only', values.only, SCENARIOS);
const wanted = values.managers ? pickList('--managers', values.managers, MANAGERS.map((m) => m.id)) : undefined;

const available: Array<{ manager: Manager; version: string }> = [];
const missing: Manager[] = [];
for (const manager of MANAGERS) {
  if (wanted && !wanted.includes(manager.id)) continue;
  const version = manager.detect();
  if (version === undefined) {
    missing.push(manager);
    console.log(`skipping ${manager.label}: not installed (${manager.install})`);
  } else {
    available.push({ manager, version });
    console.log(`found ${manager.label} ${version}`);
  }
}
if (!available.some((a) => a.manager.id === 'dozen')) console.log('dozen is not built: run `npm run build` first');

const results: Results = new Map();
const errors: string[] = [];
const record = (metric: Metric, id: string, m: Measurement) => {
  const byManager = results.get(metric) ?? new Map<string, Measurement[]>();
  results.set(metric, byManager);
  byManager.set(id, [...(byManager.get(id) ?? []), m]);
};

async function runOnce(scenario: Scenario, manager: Manager): Promise<string> {
  switch (scenario) {
    case 'flood': {
      const m = await flood(manager, { floodLines });
      record('flood', manager.id, m);
      return `${(m.value / 1000).toFixed(2)} s, lost ${m.flood!.lost}, split/spliced ${m.flood!.splitOrSpliced}, duplicated ${m.flood!.duplicated}`;
    }
    case 'web': {
      const m = await webReady(manager);
      record('web', manager.id, m);
      return `${(m.value / 1000).toFixed(2)} s`;
    }
    case 'shutdown': {
      const m = await shutdown(manager);
      record('shutdown', manager.id, m);
      return `${(m.value / 1000).toFixed(2)} s, ${m.left} left running`;
    }
    case 'rss': {
      const m = await idle(manager, 10);
      record('rss10', manager.id, m.rssMiB);
      return `${m.rssMiB.value.toFixed(1)} MiB with 10`;
    }
    case 'start100': {
      const m = await idle(manager, 100);
      record('start100', manager.id, m.startMs);
      record('rss100', manager.id, m.rssMiB);
      return `${(m.startMs.value / 1000).toFixed(2)} s to start 100, ${m.rssMiB.value.toFixed(1)} MiB`;
    }
    case 'survivors': {
      const m = await survivors(manager);
      record('survivors', manager.id, m);
      return `${m.value} of ${m.of} survived`;
    }
  }
}

interface Saved {
  command: string;
  date: string;
  results: Array<[Metric, Array<[string, Measurement[]]>]>;
  errors: string[];
  loadBefore: string;
  loadAfter: string;
  runs: number;
  floodLines: number;
}

// The command that reproduces the measurements (options that only affect the output left out).
const measuring = process.argv.slice(2).filter((a, i, all) => !['--no-write', '--keep', '--out', '--from'].includes(a) && !['--out', '--from'].includes(all[i - 1] ?? ''));
let command = `npm run bench${measuring.length > 0 ? ` -- ${measuring.join(' ')}` : ''}`;
let date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
let loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
let loadAfter = '';
let runsDone = runs;
let linesDone = floodLines;
if (values.from) {
  const saved = JSON.parse(readFileSync(values.from, 'utf8')) as Saved;
  for (const [metric, byManager] of saved.results) results.set(metric, new Map(byManager));
  errors.push(...saved.errors);
  ({ command, date, loadBefore, loadAfter, runs: runsDone, floodLines: linesDone } = saved);
} else {
  await runAll();
  loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
  const saved: Saved = { command, date, results: [...results].map(([m, by]) => [m, [...by]]), errors, loadBefore, loadAfter, runs, floodLines };
  const rawPath = join(tmpdir(), 'dozen-bench-results.json');
  writeFileSync(rawPath, JSON.stringify(saved));
  console.log(`raw results saved to ${rawPath} (re-render with --from ${rawPath})`);
}

async function runAll(): Promise<void> {
  for (const scenario of only) {
    for (let run = 0; run < runs; run++) {
      // Rotate the order each run, so that no manager always runs right after a heavy one.
      const order = available.map((_, i) => available[(i + run) % available.length]!.manager);
      for (const manager of order) {
        try {
          const summary = await runOnce(scenario, manager);
          console.log(`${scenario} #${run + 1} ${manager.id}: ${summary}`);
        } catch (err) {
          const message = `${scenario} #${run + 1} ${manager.id}: ${(err as Error).message}`;
          errors.push(message);
          console.log(message);
        }
      }
    }
  }
}

const cpu = cpus();
const report = renderReport(results, {
  command,
  date,
  machine: [
    `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}`,
    `Node.js ${process.version}`,
    ...(process.env.NODE_EXTRA_CA_CERTS
      ? ['`NODE_EXTRA_CA_CERTS` is set: every `node` started plainly parses that file first (about 85 ms here); `bin/dozen` keeps it out of its own start-up and passes it on to the processes it runs and to its TLS drains']
      : []),
    `load average before: ${loadBefore}; after: ${loadAfter} (the machine was shared with other work)`,
  ],
  runs: runsDone,
  floodLines: linesDone,
  managers: available,
  missing,
  errors,
  analysis: existsSync(join(REPO_ROOT, 'bench/analysis.md')) ? readFileSync(join(REPO_ROOT, 'bench/analysis.md'), 'utf8') : undefined,
});
console.log(`\n${report}`);
if (!values['no-write']) {
  writeFileSync(values.out!, report);
  console.log(`wrote ${values.out}`);
}
