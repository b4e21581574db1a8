// The least a process manager written for Node.js can do, as a reference row in the benchmarks:
// spawn each command with `sh -c` in its own process group, copy every chunk of its output to
// stdout as it comes (no prefix, no line integrity, no store, no control), forward SIGTERM/SIGINT,
// exit when all have exited. Whatever Node itself costs (its start-up, a spawn, a pipe read and a
// write) is in this program's times; whatever dozen adds on top is not.
//
// Usage: node node-floor.js '<json array of shell commands>'
import { spawn, type ChildProcess } from 'node:child_process';

const commands = JSON.parse(process.argv[2] ?? '[]') as string[];
const children: ChildProcess[] = [];
let running = commands.length;
let exitCode = 0;

for (const command of commands) {
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  child.on('exit', (code) => {
    if (code !== 0 && exitCode === 0) exitCode = code ?? 1;
    if (--running === 0) process.exitCode = exitCode;
  });
  children.push(child);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const child of children) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}
