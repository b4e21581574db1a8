// What tracking processes by their environment cookie costs at 100 instances, each with a daemon
// that left its group (`setsid sleep 1000 & exec sleep 1000`): a first scan (every process on
// the machine classified, its environ read once), a scan once they are known, and the stop of the
// whole formation: how many scans it took and how long. `--cgroup`: each run in a leaf cgroup
// (platform/cgroup-tree.ts; the cookie alone where none can be made). Run on demand:
//   npm run build && node dist/bench/escape-scan.js [instances] [--cgroup]
import { CgroupTree } from '../src/platform/cgroup-tree.js';
import { DescendantScanner } from '../src/platform/descendants.js';
import { ProcessTracker } from '../src/platform/process-tracker.js';
import { createSupervisor } from '../src/supervisor/supervisor.js';
import type { ProcessSpec } from '../src/formation/types.js';

const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100);
const cgroups = process.argv.includes('--cgroup') ? CgroupTree.open() : undefined;
const specs: ProcessSpec[] = Array.from({ length: count }, (_, i) => ({
  name: `d.${i + 1}`, type: 'd', index: i + 1, command: 'setsid sleep 1000 & exec sleep 1000', port: undefined, env: {}, cwd: process.cwd(),
}));
let escapes = 0;
const tracker = new ProcessTracker({ onEscape: () => (escapes += 1), cgroups });
const supervisor = createSupervisor({ specs, groups: tracker, canDie: ['d'] });
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const finished = supervisor.run();
const deadline = Date.now() + 30_000;
while (escapes < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
const leaders = supervisor.status().flatMap((s) => (s.pid === undefined ? [] : [s.pid]));

const cold: number[] = [];
for (let i = 0; i < 5; i++) {
  const scanner = new DescendantScanner(tracker.token);
  const t = process.hrtime.bigint();
  scanner.scan(new Set(leaders));
  cold.push(ms(t));
}
const warm: number[] = [];
for (let i = 0; i < 20; i++) {
  await turn();
  const t = process.hrtime.bigint();
  tracker.liveGroups(leaders);
  warm.push(ms(t));
}
const listed = (await import('node:fs')).readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;

await turn(); // the stop wave scans afresh
const scansBefore = tracker.scans;
const t = process.hrtime.bigint();
await supervisor.shutdown('bench');
await finished;
const stopMs = ms(t);
console.log(`tracking by ${cgroups ? `cgroup (${cgroups.root})` : 'cookie'}`);
console.log(`${count} instances, ${escapes} daemons seen, ${listed} processes on the machine`);
console.log(`first scan (classify everything): median ${median(cold).toFixed(2)} ms of 5`);
console.log(`scan of known processes: median ${median(warm).toFixed(2)} ms of 20`);
console.log(`stop of the formation: ${tracker.scans - scansBefore} scans, ${stopMs.toFixed(0)} ms`);
