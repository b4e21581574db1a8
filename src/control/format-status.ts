// `dozen ps` as a table: pure formatting of the status result.
import type { InstanceInfo, RouterInfo, WireExitOutcome } from './protocol.js';

export const STATUS_HEADER = ['NAME', 'STATE', 'PID', 'PORT', 'READY', 'UPTIME', 'RESTARTS', 'CPU%', 'RSS', 'LAST EXIT'];

/** One row of cells per instance, in STATUS_HEADER's order. */
export function statusRow(i: InstanceInfo): string[] {
  return [
    i.name,
    // During a surge a name has two rows: say which is the replacement and which is leaving.
    i.role === 'incoming' ? `${i.state} (new)` : i.role === 'outgoing' ? `${i.state} (old)` : i.state,
    i.pid === null ? '-' : String(i.pid),
    i.port === null ? '-' : String(i.port),
    i.port === null ? '-' : i.ready ? 'yes' : 'no',
    i.uptimeMs === null ? '-' : formatDuration(i.uptimeMs),
    String(i.restarts),
    i.cpuPercent === null ? '-' : i.cpuPercent.toFixed(1),
    i.rssBytes === null ? '-' : formatBytes(i.rssBytes),
    i.lastExit === null ? '-' : formatExit(i.lastExit),
  ];
}

/** `45s`, `3m12s`, `2h05m`, `3d04h`: two units at most, as uptime readers skim it. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d${pad2(h % 24)}h`;
}

/** Binary units, one decimal under 10: `512K`, `9.8M`, `120M`, `1.2G`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit > 0 && value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${shown}${units[unit]}`;
}

export function formatExit(outcome: WireExitOutcome): string {
  switch (outcome.reason) {
    case 'exit-code':
      return `code ${outcome.code}`;
    case 'signal':
      return outcome.signal;
    case 'killed':
      return 'killed after the stop timeout';
    case 'spawn-error':
      return `could not start: ${outcome.errno ?? outcome.message}`;
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * `dozen ps`'s line for the router: where it listens and what it served, with the last minute's
 * latency (`router  http://127.0.0.1:8080  1204 requests (2xx 1200, 5xx 4)  p50 2ms p95 9ms p99 31ms`).
 */
export function routerLine(r: RouterInfo): string {
  const classes = Object.entries(r.statusClasses).sort(([a], [b]) => a.localeCompare(b)).map(([c, n]) => `${c} ${n}`);
  const errors = Object.entries(r.errors).sort(([a], [b]) => a.localeCompare(b)).map(([c, n]) => `${c} ${n}`);
  const parts = [`router  http://${r.address}`, `${r.requests} request${r.requests === 1 ? '' : 's'}${classes.length > 0 ? ` (${classes.join(', ')})` : ''}`];
  if (r.latency) parts.push(`last minute p50 ${ms(r.latency.p50)} p95 ${ms(r.latency.p95)} p99 ${ms(r.latency.p99)}`);
  if (errors.length > 0) parts.push(`errors ${errors.join(', ')}`);
  if (r.inFlight > 0) parts.push(`${r.inFlight} in flight`);
  return parts.join('  ');
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)}ms` : `${Math.round(value)}ms`;
}
