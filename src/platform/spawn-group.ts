// Spawns `sh -c command` as the leader of its own process group (and session), so dozen can
// signal the command and everything it starts at once with kill(-pgid).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface GroupSpawnOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export type GroupChild = ChildProcessByStdio<null, Readable, Readable>;

/**
 * stdin is /dev/null, stdout and stderr are pipes. `detached` makes the child call setsid(), so
 * its pid is its process group id, and a Ctrl-C at the terminal (sent to dozen's foreground
 * group) reaches dozen only: dozen decides how the children stop.
 */
export function spawnGroup(opts: GroupSpawnOptions): GroupChild {
  return spawn('/bin/sh', ['-c', opts.command], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}
