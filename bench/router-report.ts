// Medians, ratios and the markdown page (docs/benchmarks-router.md) of the router benchmark.
import { median } from './report.js';

export type BackendKind = 'node' | 'nginx';

export const TARGETS = [
  { id: 'direct', label: 'direct to one instance (no proxy)' },
  { id: 'dozen', label: "dozen's router (`dozen start --router`)" },
  { id: 'dozen-no-store', label: "dozen's router, `--no-log-store`" },
  { id: 'nginx-1', label: 'nginx, 1 worker' },
  { id: 'nginx-auto', label: 'nginx, `worker_processes auto` (2 here)' },
  { id: 'http-proxy', label: '`http-proxy` (keep-alive http.Agent)' },
  { id: 'proto-a', label: 'A: node:http + http.Agent, pipe' },
  { id: 'proto-b', label: 'B: node:http + undici Pool.request' },
  { id: 'proto-c', label: 'C: node:http + undici Pool.dispatch' },
] as const;
export type TargetId = (typeof TARGETS)[number]['id'];

export interface RunSample {
  backend: BackendKind;
  target: TargetId;
  round: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU used during the run, in % of one core (2 cores: 200% in all). */
  cpu: { wrk: number; proxy: number; backends: number; other: number };
  /** The proxy's largest resident memory while wrk ran (MiB); none for direct. */
  proxyRssMiB: number | undefined;
  /** The proxy's resident memory once it answered, before any load (MiB). */
  proxyStartRssMiB: number | undefined;
  /** How busy the machine was (% of a core) in the second before the run, with every server idle. */
  busyBeforePct: number;
}

export type RouterResults = RunSample[];

export interface RouterReportContext {
  command: string;
  date: string;
  machine: string[];
  runs: number;
  seconds: number;
  connections: number;
  versions: Record<string, string>;
  errors: string[];
  skipped: string[];
  /** Hand-written reading of the results (bench/router-analysis.md), placed after the goals. */
  analysis?: string;
}

const BACKEND_TITLE: Record<BackendKind, string> = {
  node: 'Instances: a tiny node:http server (100-byte body)',
  nginx: 'Instances: nginx `return 200` (100-byte body)',
};

export interface Summary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpu: RunSample['cpu'];
  rssMiB: number;
  startRssMiB: number;
  /** The proxy's CPU time per request (µs): what it costs, whatever else the machine was doing. */
  proxyUsPerRequest: number;
  runs: number;
}

export function summarize(results: RouterResults, backend: BackendKind, target: TargetId): Summary | undefined {
  const s = results.filter((r) => r.backend === backend && r.target === target);
  if (s.length === 0) return undefined;
  const m = (pick: (r: RunSample) => number | undefined) => median(s.map(pick).filter((v): v is number => v !== undefined));
  return {
    rps: m((r) => r.rps),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    errors: s.reduce((n, r) => n + r.errors, 0),
    cpu: { wrk: m((r) => r.cpu.wrk), proxy: m((r) => r.cpu.proxy), backends: m((r) => r.cpu.backends), other: m((r) => r.cpu.other) },
    rssMiB: m((r) => r.proxyRssMiB),
    startRssMiB: m((r) => r.proxyStartRssMiB),
    // CPU % of a core / req/s = share of a second per request.
    proxyUsPerRequest: m((r) => (r.cpu.proxy / 100 / r.rps) * 1e6),
    runs: s.length,
  };
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const pct = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(0));

function backendTable(results: RouterResults, backend: BackendKind): string[] {
  const ids = TARGETS.map((t) => t.id).filter((id) => summarize(results, backend, id));
  if (ids.length === 0) return [];
  const nginx = summarize(results, backend, 'nginx-1');
  const hp = summarize(results, backend, 'http-proxy');
  const direct = summarize(results, backend, 'direct');
  const rows = [
    `### ${BACKEND_TITLE[backend]}`,
    '',
    '| target | req/s | p50 | p99 | × nginx (1 worker) | × http-proxy | p50 added vs direct | CPU % of a core: wrk / proxy / instances / other | proxy CPU per request | proxy RSS: at start / under load | errors | runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const id of ids) {
    const s = summarize(results, backend, id)!;
    const label = TARGETS.find((t) => t.id === id)!.label;
    const added = id === 'direct' || !direct ? '–' : `${s.p50Ms - direct.p50Ms >= 0 ? '+' : ''}${ms(s.p50Ms - direct.p50Ms)} ms`;
    rows.push(
      `| ${label} | ${Math.round(s.rps).toLocaleString('en-US')} | ${ms(s.p50Ms)} ms | ${ms(s.p99Ms)} ms | ${id === 'nginx-1' ? '1.00×' : ratio(s.rps, nginx?.rps)} | ${id === 'http-proxy' ? '1.00×' : ratio(s.rps, hp?.rps)} | ${added} | ` +
        `${pct(s.cpu.wrk)} / ${pct(s.cpu.proxy)} / ${pct(s.cpu.backends)} / ${pct(s.cpu.other)} | ${id === 'direct' ? '–' : `${s.proxyUsPerRequest.toFixed(0)} µs`} | ${Number.isNaN(s.rssMiB) ? '–' : `${Number.isNaN(s.startRssMiB) ? '–' : s.startRssMiB.toFixed(1)} / ${s.rssMiB.toFixed(1)} MiB`} | ${s.errors} | ${s.runs} |`,
    );
  }
  return [...rows, ''];
}

/** The goals of issue 12, checked for dozen's router and for each prototype. */
function goalTable(results: RouterResults): string[] {
  const rows = ['| instances | proxy | ≥ 0.5× nginx (1 worker) | ≥ 1.5× http-proxy | p50 added ≤ 1 ms |', '| --- | --- | --- | --- | --- |'];
  for (const backend of ['node', 'nginx'] as const) {
    const nginx = summarize(results, backend, 'nginx-1');
    const hp = summarize(results, backend, 'http-proxy');
    const direct = summarize(results, backend, 'direct');
    for (const id of ['dozen', 'dozen-no-store', 'proto-a', 'proto-b', 'proto-c'] as const) {
      const s = summarize(results, backend, id);
      if (!s) continue;
      const check = (value: number | undefined, ok: (v: number) => boolean, text: (v: number) => string) =>
        value === undefined || Number.isNaN(value) ? '–' : `${text(value)} ${ok(value) ? 'yes' : '**no**'}`;
      rows.push(
        `| ${backend} | ${TARGETS.find((t) => t.id === id)!.label} | ${check(nginx && s.rps / nginx.rps, (v) => v >= 0.5, (v) => `${v.toFixed(2)}×`)} | ` +
          `${check(hp && s.rps / hp.rps, (v) => v >= 1.5, (v) => `${v.toFixed(2)}×`)} | ${check(direct && s.p50Ms - direct.p50Ms, (v) => v <= 1, (v) => `${v.toFixed(2)} ms`)} |`,
      );
    }
  }
  return rows.length > 2 ? rows : ['No proxy of dozen measured.'];
}

export function renderRouterReport(results: RouterResults, ctx: RouterReportContext): string {
  const lines = [
    '# Router benchmark',
    '',
    "dozen's router (issue 12) against the same requests straight to one web instance, through",
    "Debian's nginx and through `http-proxy`, with the prototypes the router was chosen from. Generated",
    `by \`${ctx.command}\` on ${ctx.date}: wrk with ${ctx.connections} keep-alive connections (\`wrk -t1 -c${ctx.connections} -d${ctx.seconds}s --latency\`), 2 web instances,`,
    `medians of ${ctx.runs} runs, targets in alternation (ratios are between medians of the same run).`,
    '',
    '## Machine',
    '',
    ...ctx.machine.map((m) => `- ${m}`),
    `- ${Object.entries(ctx.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    '## Goals (issue 12)',
    '',
    ...goalTable(results),
    '',
    ...(ctx.analysis ? [ctx.analysis.trim(), ''] : []),
    '## Results',
    '',
    ...(['node', 'nginx'] as const).flatMap((b) => backendTable(results, b)),
  ];
  if (ctx.skipped.length > 0) lines.push('## Not measured', '', ...ctx.skipped.map((s) => `- ${s}`), '');
  if (ctx.errors.length > 0) lines.push('## Runs that failed', '', ...ctx.errors.map((e) => `- ${e}`), '');
  lines.push(...HOW_TO);
  return `${lines.join('\n')}\n`;
}

const HOW_TO = [
  '## How it is measured',
  '',
  '- Two web instances, each on its own port: `bench/router-prototypes/backend.ts` (node:http, a',
  '  100-byte body with Content-Length), or nginx with `return 200` and the same body, 1 worker each.',
  '- Every proxy runs on 127.0.0.1, round-robins over both instances on kept-alive connections, adds',
  '  X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Port, X-Request-ID and X-Request-Start, and',
  '  writes one access log line per request to a file: nginx with `buffer=64k flush=1s`, the',
  '  prototypes once per event-loop turn, `http-proxy` through a file stream, dozen as it logs.',
  '- nginx: Debian\'s package in the foreground with a temporary prefix (`-p`, `-e`, `-c`,',
  '  `-g \'daemon off;\'`), `upstream` with `keepalive 64`, `proxy_http_version 1.1`,',
  '  `proxy_set_header Connection ""`; `worker_processes 1` (one core, as a Node.js router), and',
  '  `auto` for reference.',
  '- dozen: `bin/dozen start -d APP -m web=2 -p BASE --router 127.0.0.1:PORT --no-color` on an app',
  '  whose Procfile runs the same web instance on $PORT; ready once the router answers 200 twenty',
  '  times in a row; stopped with SIGTERM at the end. Also with `--no-log-store`: the router\'s',
  '  lines then go to dozen\'s stdout (a file here) only, not to the log store. Its router runs in dozen\'s own process, so',
  '  "proxy" CPU and RSS are that process alone, and "instances" are the processes below it.',
  '- Every target is started once per kind of instance, warmed up with 2 s of wrk, then measured',
  '  in rounds, the order rotated each round. CPU times come from /proc (wrk\'s through the',
  '  shell\'s `times`), as % of one core over the run; "other" is the rest of the machine\'s busy',
  '  time (other users, this harness, the kernel\'s share not charged to a process). "proxy CPU',
  '  per request" is the proxy\'s CPU time over the requests it served: unlike req/s, it hardly',
  '  depends on what else the machine was running.',
  '- Before each run the harness waits, up to 30 s, for a second in which the machine is at',
  '  most 25% of a core busy (`--quiet-below`): other work on a shared machine. Load that starts',
  '  during a run still shows in "other".',
  '- RSS: the proxy\'s resident memory once it answered, before any load, and the largest sample',
  '  (every 500 ms) while wrk ran: dozen\'s own process; nginx\'s master and workers.',
  '- The machine has 2 cores: wrk, the proxy and the instances share them, so a proxy\'s throughput',
  '  is bounded by what wrk and the instances leave it.',
  '',
  '## Running it',
  '',
  '`npm run bench:router` (options: `--runs 5`, `--seconds 5`, `--connections 32`,',
  '`--backends node,nginx`, `--targets direct,nginx-1,http-proxy,...`, `--out FILE`, `--no-write`,',
  '`--keep`, `--from RAW.json`). Needs `apt-get install wrk nginx`; dozen\'s router needs',
  '`npm run build` first and is skipped, with a line saying why, when `dozen start` has no `--router`.',
];
