// The no-orphan guard: a tiny `sh` that outlives dozen by a few milliseconds.
//
// Node cannot ask the kernel to signal its children when it dies (no PR_SET_PDEATHSIG), and a
// SIGKILLed dozen runs no cleanup code. So dozen starts one watchdog shell whose stdin is a pipe
// from dozen. dozen writes `+<pgid>` when it starts a process group and `-<pgid>` once the group
// is empty. When dozen dies by any means, the kernel closes the pipe, `read` hits end of file,
// and the watchdog SIGKILLs every group still registered, grandchildren included, then exits.
// The watchdog ignores INT/TERM/HUP/QUIT and runs in its own session, so a Ctrl-C or a signal
// meant for dozen does not take it down first. It costs one dash process (about 1 MB).
//
// Groups are not enough: a daemon leaves its group (setsid), and a spawn dozen was killed in
// the middle of was never registered. So the watchdog also gets, as its argument before any
// spawn, the token every cookie of this dozen begins with (platform/descendants.ts), and after
// the groups it SIGKILLs every process whose environment holds DOZEN_INSTANCE=<token>.*, found by
// one `grep` over /proc/*/environ, again until two scans 50 ms apart find none (a child caught
// between fork and exec has its cookie once it execs; a dying parent may still have forked).
//
// Where dozen tracks runs in cgroups (platform/cgroup-tree.ts), the watchdog's second argument is
// dozen's cgroup folder: before the cookie scan it kills everything in it (one write to its
// cgroup.kill, and a kill of each pid its leaves list, until they list none), then removes the
// leaves and the folder. A clean shutdown removed them already: then there is nothing to do.
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
c=$2
if [ -n "$c" ] && [ -d "$c" ]; then
  { [ -e "$c/cgroup.kill" ] && echo 1 >"$c/cgroup.kill"; } 2>/dev/null
  n=0
  while [ $n -lt 100 ]; do
    n=$((n + 1))
    p=$(cat "$c"/*/cgroup.procs 2>/dev/null)
    [ -z "$p" ] && break
    for q in $p; do kill -s KILL "$q" 2>/dev/null; done
    sleep 0.02
  done
  rmdir "$c"/*/ "$c" 2>/dev/null
fi
[ -n "$1" ] || exit 0
e=0 n=0
while [ $e -lt 2 ] && [ $n -lt 100 ]; do
  n=$((n + 1))
  f=$(grep -lsz -- "^DOZEN_INSTANCE=$1\\." /proc/[0-9]*/environ)
  if [ -z "$f" ]; then
    e=$((e + 1))
    [ $e -lt 2 ] && sleep 0.05
  else
    e=0
    for p in $f; do p=\${p#/proc/}; kill -s KILL "\${p%/environ}" 2>/dev/null; done
  fi
done
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

/**
 * `token`: kill the carriers of its cookies too (see above); it must be a plain word (hex).
 * `cgroupRoot`: kill everything in that cgroup folder, then remove it.
 */
export function startWatchdog(token?: string, cgroupRoot?: string): Watchdog {
  if (token !== undefined && !/^[0-9a-z]+$/.test(token)) throw new RangeError(`watchdog: bad cookie token "${token}"`);
  const args = [token ?? '', ...(cgroupRoot === undefined ? [] : [cgroupRoot])];
  const child: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT, 'dozen-watchdog', ...args], {
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
