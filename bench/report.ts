// Medians, ratios and the markdown page (docs/benchmarks.md) from the raw measurements.
import type { Manager } from './managers.js';
import type { Measurement, Metric } from './scenarios.js';

export type Results = Map<Metric, Map<string, Measurement[]>>;

export interface ReportContext {
  command: string;
  date: string;
  machine: string[];
  runs: number;
  floodLines: number;
  managers: Array<{ manager: Manager; version: string }>;
  missing: Manager[];
  errors: string[];
  /** Hand-written reading of the results (bench/analysis.md), placed after the goals. */
  analysis?: string;
}

interface MetricInfo {
  title: string;
  unit: 'time' | 'MiB' | 'count';
  /** Show "× sh" and "× fastest peer" columns. */
  ratios: boolean;
}

export const METRICS: Record<Metric, MetricInfo> = {
  flood: { title: 'Log throughput: 2 processes × N numbered lines, stdout to a file', unit: 'time', ratios: true },
  web: { title: 'Time until a web process accepts on its port', unit: 'time', ratios: true },
  // No ratios: the fastest (sh, node-foreman) simply die and leave every process running.
  shutdown: { title: 'Shutdown: SIGTERM to the manager until it exits (a web process and a worker running)', unit: 'time', ratios: false },
  rss10: { title: "Manager's memory (RSS, its own processes only) with 10 idle processes", unit: 'MiB', ratios: false },
  rss100: { title: "Manager's memory (RSS, its own processes only) with 100 idle processes", unit: 'MiB', ratios: false },
  start100: { title: '100 processes started: time until every one has printed a line', unit: 'time', ratios: true },
  survivors: { title: 'Survivors: scenario processes alive 2 s after the manager is SIGKILLed', unit: 'count', ratios: false },
};

const NODE_PEERS = ['node-foreman', 'concurrently', 'pm2'];
/** The reference row that is not a peer: a bare Node.js spawn-and-pipe program (bench/node-floor.ts). */
const FLOOR = 'node-floor';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function med(samples: Measurement[] | undefined, pick: (m: Measurement) => number | undefined = (m) => m.value): number {
  return median((samples ?? []).map(pick).filter((v): v is number => v !== undefined));
}

function fmt(value: number, unit: MetricInfo['unit']): string {
  if (Number.isNaN(value)) return '–';
  if (unit === 'time') return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
  if (unit === 'MiB') return `${value.toFixed(1)} MiB`;
  return String(Math.round(value));
}

const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');

/** The fastest peer (not sh, not dozen) for a metric, by median. */
function fastestPeer(results: Results, metric: Metric, ids: string[]): { id: string; value: number } | undefined {
  let best: { id: string; value: number } | undefined;
  for (const id of ids) {
    if (id === 'sh' || id === FLOOR || id.startsWith('dozen')) continue;
    const v = med(results.get(metric)?.get(id));
    if (!Number.isNaN(v) && (best === undefined || v < best.value)) best = { id, value: v };
  }
  return best;
}

function metricTable(results: Results, metric: Metric, ctx: ReportContext): string[] {
  const info = METRICS[metric];
  const byManager = results.get(metric);
  if (!byManager) return [];
  const ids = ctx.managers.map((m) => m.manager.id).filter((id) => byManager.has(id));
  const sh = med(byManager.get('sh'));
  const peer = fastestPeer(results, metric, ids);
  const head = ['manager', 'median'];
  if (info.ratios) head.push('× sh', `× fastest peer${peer ? ` (${peer.id})` : ''}`);
  if (metric === 'flood') head.push('lines lost', 'lines split or spliced', 'duplicated');
  if (metric === 'shutdown') head.push('processes left running');
  if (metric === 'survivors') head.push('of');
  head.push('runs');
  const rows = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const id of ids) {
    const samples = byManager.get(id) ?? [];
    const label = ctx.managers.find((m) => m.manager.id === id)!.manager.label;
    const v = med(samples);
    const cells = [label, fmt(v, info.unit)];
    if (info.ratios) cells.push(id === 'sh' ? '1.00×' : ratio(v, sh), peer && id !== 'sh' ? ratio(v, peer.value) : '–');
    if (metric === 'flood') {
      cells.push(
        String(med(samples, (m) => m.flood?.lost)),
        String(med(samples, (m) => m.flood?.splitOrSpliced)),
        String(med(samples, (m) => m.flood?.duplicated)),
      );
    }
    if (metric === 'shutdown') cells.push(String(med(samples, (m) => m.left)));
    if (metric === 'survivors') cells.push(String(med(samples, (m) => m.of)));
    cells.push(String(samples.length));
    rows.push(`| ${cells.join(' | ')} |`);
  }
  return [`### ${info.title}`, '', ...rows, ''];
}

interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** The same figure for the bare Node.js program: how far any Node.js manager can go here. */
  floor: string;
}

function goals(results: Results, ctx: ReportContext): Goal[] {
  const get = (metric: Metric, id: string) => results.get(metric)?.get(id);
  const v = (metric: Metric, id: string) => med(get(metric, id));
  const out: Goal[] = [];
  const ratioGoal = (metric: Metric, limit: number, what: string) => {
    const d = v(metric, 'dozen');
    const s = v(metric, 'sh');
    const r = d / s;
    const f = v(metric, FLOOR) / s;
    out.push({
      goal: `${what} within ${limit}× of sh`,
      measured: Number.isFinite(r) ? `${r.toFixed(2)}×` : 'not measured',
      met: Number.isFinite(r) ? r <= limit : undefined,
      floor: Number.isFinite(f) ? `${f.toFixed(2)}×` : '–',
    });
  };
  ratioGoal('flood', 2, '2 × N-line flood');
  const ids = ctx.managers.map((m) => m.manager.id);
  const peer = fastestPeer(results, 'flood', ids);
  const d = v('flood', 'dozen');
  out.push({
    goal: 'flood at most 0.7× the fastest peer',
    measured: peer ? `${(d / peer.value).toFixed(2)}× ${peer.id}` : 'no peer measured',
    met: peer && Number.isFinite(d) ? d / peer.value <= 0.7 : undefined,
    floor: peer && Number.isFinite(v('flood', FLOOR)) ? `${(v('flood', FLOOR) / peer.value).toFixed(2)}×` : '–',
  });
  const floods = get('flood', 'dozen') ?? [];
  const worst = floods.reduce((n, m) => n + (m.flood ? m.flood.lost + m.flood.splitOrSpliced + m.flood.duplicated : 0), 0);
  out.push({
    goal: 'flood: no line lost, split, spliced or duplicated, in any run',
    measured: floods.length ? `${worst} bad lines in ${floods.length} runs` : 'not measured',
    met: floods.length ? worst === 0 : undefined,
    floor: '–',
  });
  ratioGoal('web', 1.5, 'web process accepting');
  ratioGoal('start100', 1.3, '100 processes started');
  const rss = v('rss100', 'dozen');
  const nodePeers = NODE_PEERS.map((id) => v('rss100', id)).filter((x) => !Number.isNaN(x));
  out.push({
    goal: 'RSS with 100 processes under 50 MB and below every Node.js peer',
    measured: Number.isNaN(rss) ? 'not measured' : `${rss.toFixed(1)} MiB (Node.js peers: ${nodePeers.map((x) => x.toFixed(1)).join(', ') || 'none measured'})`,
    met: Number.isNaN(rss) ? undefined : rss * 1.048576 < 50 && nodePeers.every((x) => rss < x),
    floor: Number.isNaN(v('rss100', FLOOR)) ? '–' : `${v('rss100', FLOOR).toFixed(1)} MiB`,
  });
  const surv = get('survivors', 'dozen') ?? [];
  const survived = surv.reduce((n, m) => n + m.value, 0);
  out.push({
    goal: 'no process survives a SIGKILL of dozen',
    measured: surv.length ? `${survived} survivors in ${surv.length} runs` : 'not measured',
    met: surv.length ? survived === 0 : undefined,
    floor: '–',
  });
  return out;
}

export function renderReport(results: Results, ctx: ReportContext): string {
  const lines: string[] = [
    '# Benchmarks',
    '',
    'dozen against the process managers it replaces, on the scenarios of issue 3, with plain `sh` as',
    'the limit (it runs the same commands with `&` and `wait`: no prefixes, no supervision). Generated',
    `by \`${ctx.command}\` on ${ctx.date}; medians of ${ctx.runs} runs, managers in alternation.`,
    '',
    '## Machine',
    '',
    ...ctx.machine.map((m) => `- ${m}`),
    '',
    '## Managers',
    '',
    '| manager | version |',
    '|---|---|',
    ...ctx.managers.map(({ manager, version }) => `| ${manager.label} | ${version} |`),
    ...ctx.missing.map((m) => `| ${m.label} | not installed (${m.install}) |`),
    '',
    '## Goals (issue 3)',
    '',
    '| goal | measured | met | bare Node.js program |',
    '|---|---|---|---|',
    ...goals(results, ctx).map((g) => `| ${g.goal} | ${g.measured} | ${g.met === undefined ? '–' : g.met ? 'yes' : '**no**'} | ${g.floor} |`),
    '',
    'The last column is the same figure for a bare Node.js program that only spawns the commands and',
    'copies their output (bench/node-floor.ts: no prefixes, no line integrity, no store, no control):',
    'where it misses a goal, no process manager written for Node.js can meet it on this machine.',
    '',
    ...(ctx.analysis ? [ctx.analysis.trim(), ''] : []),
    '## Results',
    '',
    `N = ${ctx.floodLines.toLocaleString('en-US')} lines per flood process.`,
    '',
  ];
  for (const metric of Object.keys(METRICS) as Metric[]) lines.push(...metricTable(results, metric, ctx));
  if (ctx.errors.length > 0) {
    lines.push('## Runs that failed', '', ...ctx.errors.map((e) => `- ${e}`), '');
  }
  lines.push(...HOW_TO);
  return `${lines.join('\n')}\n`;
}

const HOW_TO = [
  '## How it is measured',
  '',
  '- Every manager runs in its default output mode; dozen as installed (`bin/dozen`, the launcher and',
  '  the bundled CLI) with `start -f Procfile --can-die <types>`',
  '  (so both floods run to the end), foreman as `foreman start`, node-foreman as `nf start`,',
  '  concurrently with `-n`, supervisord in the foreground with each program\'s stdout on its own',
  '  (`stdout_logfile=/dev/stdout`), PM2 as `pm2-runtime` with `autorestart: false`.',
  '- Flood: each process prints N records `<name> <8-digit number> <48 letters>` (60 bytes) with awk, then',
  '  waits until the other one is done, so managers that stop everything at the first exit still pass',
  '  every line. The time runs from starting the manager until it exits (supervisord, which never',
  '  exits by itself, gets SIGTERM once both floods have exited). Every output line is parsed: a record',
  '  is intact when a line ends with exactly one whole record after the manager\'s prefix; lost = numbers',
  '  never seen intact; split or spliced = lines holding a piece of a record without being one.',
  '- Web: a Node.js HTTP server on `$PORT`; the time runs from starting the manager until a TCP',
  '  connection to the port succeeds (polled every 5 ms).',
  '- Shutdown: once the server accepts and the worker (`sleep`) runs, SIGTERM to the manager; time until',
  '  it exits; "left running" counts the scenario\'s processes still alive 1 s later.',
  '- Memory: N processes `echo ready; exec sleep`; once all have printed, 1 s later, the sum of VmRSS of',
  '  the manager and its own helper processes (dozen\'s watchdog, PM2\'s daemon), not the apps.',
  '- "bare Node.js program" (bench/node-floor.ts) is a reference, not a peer: it spawns each command',
  '  with `sh -c` in its own process group and copies each chunk of output to stdout as it comes.',
  '- Survivors: two processes `sleep & wait` (each a shell and its child); 2 s after SIGKILL of the',
  '  manager, the scenario\'s processes still alive (zombies not counted).',
  '',
  '## Running it',
  '',
  '`npm run bench` (options: `--runs 5`, `--only flood,web,shutdown,rss,survivors,start100`,',
  '`--managers dozen,sh,concurrently`, `--lines 200000`, `--out docs/benchmarks.md`, `--no-write`).',
  'It installs nothing; missing peers are skipped. To install them:',
  '`apt-get install ruby-foreman supervisor` and `npm install -g foreman concurrently pm2`.',
  'The machine is shared while it runs: other load makes every manager slower, so compare the ratios',
  'measured in one run rather than absolute times across runs.',
];
