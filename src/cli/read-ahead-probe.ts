// Before it spawns the formation, the supervisor asks whether each port is already taken by
// another program (readiness would lie). On Linux that is a read of /proc/net/tcp and tcp6, which
// the kernel answers slowly (~5 ms each on a small VM), in steps that each wait for a turn of the
// event loop. commands/index.ts starts both reads as soon as it knows the command is `start`, so
// they run while the command's modules load, instead of delaying the first spawn. Only that first
// wave of probes uses them; readiness checks read the tables afresh.
import { close, open, read } from 'node:fs';
import { parseListeningPorts, probePort, type PortProbe } from '../platform/port-probe.js';

let started: Promise<Set<number> | undefined> | undefined;

type ReadTables = () => Promise<Set<number> | undefined>;

/** Starts reading the tables (once); the next readAheadProbe() takes the result. */
export function readPortsAhead(read: ReadTables = readTablesNow): void {
  started ??= read();
}

/** A probe answering its first wave from the tables read ahead (read now if they were not). */
export function readAheadProbe(later: PortProbe = probePort, read: ReadTables = readTablesNow): PortProbe {
  let ahead: Promise<Set<number> | undefined> | undefined = started ?? read();
  started = undefined;
  return async (port) => {
    const table = ahead;
    if (table === undefined) return later(port);
    // The supervisor probes every port in one synchronous loop: they all share the read.
    queueMicrotask(() => (ahead = undefined));
    const ports = await table;
    return ports === undefined ? later(port) : ports.has(port);
  };
}

/** The listening ports from both tables; undefined when /proc/net/tcp cannot be read (not Linux). */
export async function readTablesNow(): Promise<Set<number> | undefined> {
  const [v4, v6] = await Promise.all([readWhole('/proc/net/tcp'), readWhole('/proc/net/tcp6')]);
  // No tcp6 table when IPv6 is disabled: IPv4 listeners are all there is.
  return v4 === undefined ? undefined : parseListeningPorts(v4, v6 ?? '');
}

/** A /proc file (its size reads as 0): open, then reads until one returns nothing. */
function readWhole(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    open(path, 'r', (err, fd) => {
      if (err) return resolve(undefined);
      const chunks: Buffer[] = [];
      const next = (): void => {
        read(fd, Buffer.allocUnsafe(64 * 1024), 0, 64 * 1024, null, (readErr, n, buf) => {
          if (readErr || n === 0) {
            close(fd, () => undefined);
            return resolve(readErr ? undefined : Buffer.concat(chunks).toString('latin1'));
          }
          chunks.push(buf.subarray(0, n));
          next();
        });
      };
      next();
    });
  });
}
