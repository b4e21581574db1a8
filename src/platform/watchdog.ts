// The no-orphan guard: a tiny `sh` that outlives dozen by a few milliseconds.
//
// Node cannot ask the kernel to signal its children when it dies (no PR_SET_PDEATHSIG), and a
// SIGKILLed dozen runs no cleanup code. So dozen starts one watchdog shell whose stdin is a pipe
// from dozen. dozen writes `+<pgid>` when it starts a process group and `-<pgid>` once the group
// is empty. When dozen dies by any means, the kernel closes the pipe, `read` hits end of file,
// and the watchdog SIGKILLs every group still registered, grandchildren included, then exits.
// The watchdog ignores INT/TERM/HUP/QUIT and runs in its own session, so a Ctrl-C or a signal
// meant for dozen does not take it down first. It costs one dash process (about 1 MB).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

// `l` holds the registered groups as " 12 34 ": `+N` appends, `-N` cuts N out of the list.
const SCRIPT = `trap '' INT TERM HUP QUIT PIPE
l=' '
while read -r op; do
  g=\${op#?}
  case $op in
    +*) l="$l$g " ;;
    -*) case $l in *" $g "*) l="\${l%%" $g "*} \${l#*" $g "}" ;; esac ;;
  esac
done
for g in $l; do kill -s KILL -- "-$g" 2>/dev/null; done
`;

export interface Watchdog {
  readonly pid: number | undefined;
  /** A new process group to kill if dozen dies. */
  register(pgid: number): void;
  /** The group is empty: forget it (its number may be reused later). */
  unregister(pgid: number): void;
  /** Clean shutdown: close the pipe; the watchdog kills what is still registered and exits. */
  close(): void;
}

export function startWatchdog(): Watchdog {
  const child: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  const stdin = child.stdin as Writable & { unref?: () => void };
  // Neither the watchdog nor its pipe may keep dozen's event loop alive.
  child.unref();
  stdin.unref?.();
  // If the watchdog died, writes fail with EPIPE: nothing to protect any more, nothing to crash.
  stdin.on('error', () => undefined);
  child.on('error', () => undefined);
  let closed = false;
  const send = (line: string) => {
    // libuv writes to an idle pipe synchronously, so the group is registered before spawn
    // returns to the event loop: the window where a SIGKILL could orphan it is a few syscalls.
    if (!closed && stdin.writable) stdin.write(line);
  };
  return {
    pid: child.pid,
    register: (pgid) => send(`+${pgid}\n`),
    unregister: (pgid) => send(`-${pgid}\n`),
    close: () => {
      if (closed) return;
      closed = true;
      stdin.end();
    },
  };
}
