// Does something accept TCP connections on 127.0.0.1:port? On Linux, one read of the kernel's
// tables of TCP sockets (/proc/net/tcp and tcp6) answers for every instance probed in the same
// moment; where they cannot be read, one cheap connect, closed at once. Measured with 100 idle
// instances: connects (each refused one builds an error with a stack trace) cost ~6 MB of RSS
// and ~0.1 s of CPU, the table reads neither. The tables are read synchronously: a few KB that
// the kernel writes at once, ~0.05 ms, where fs.promises' open/read/close through the thread pool
// cost ~1 ms of main-thread time per read (measured in the log flood, whose processes get a PORT).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

export type PortProbe = (port: number) => Promise<boolean>;

/** One connect to 127.0.0.1:port: true once it is accepted. */
export const connectProbe: PortProbe = (port) =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    // ECONNREFUSED (nothing listening) and every other failure mean "not accepting yet".
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });

/** Probes made within this long of a table read share it (instances are polled in waves). */
const SHARE_MS = 20;

/**
 * A PortProbe over a table of listening ports, read at most once per SHARE_MS; falls back to
 * `fallback` for good when the table cannot be read (not Linux, /proc not mounted).
 */
export function listenTableProbe(
  read: () => Promise<Set<number> | undefined> = readListeningPorts,
  fallback: PortProbe = connectProbe,
  now: () => number = Date.now,
): PortProbe {
  let last: { at: number; ports: Promise<Set<number> | undefined> } | undefined;
  let unreadable = false;
  return async (port) => {
    if (unreadable) return fallback(port);
    if (last === undefined || now() - last.at > SHARE_MS) last = { at: now(), ports: read() };
    const ports = await last.ports;
    if (ports !== undefined) return ports.has(port);
    unreadable = true;
    return fallback(port);
  };
}

export const probePort: PortProbe = listenTableProbe();

/** Ports with a socket in LISTEN that a connect to 127.0.0.1 reaches; undefined if /proc/net is not readable. */
export async function readListeningPorts(): Promise<Set<number> | undefined> {
  return readListeningPortsSync();
}

function readListeningPortsSync(): Set<number> | undefined {
  const v4 = readTable('/proc/net/tcp');
  if (v4 === undefined) return undefined;
  // No tcp6 table when IPv6 is disabled: IPv4 listeners are all there is.
  return parseListeningPorts(v4, readTable('/proc/net/tcp6') ?? '');
}

/** A /proc/net table's text, or undefined when it cannot be read (any error: the caller falls back). */
function readTable(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** The ports of the LISTEN sockets in /proc/net/tcp and tcp6 texts that a connect to 127.0.0.1 reaches. */
export function parseListeningPorts(v4: string, v6: string): Set<number> {
  const ports = new Set<number>();
  addListening(v4, LOOPBACK_V4, ports);
  addListening(v6, LOOPBACK_V6, ports);
  return ports;
}

// Local addresses a connect to 127.0.0.1 reaches, as /proc/net prints them (each 32-bit word in
// host byte order: both orders are listed). IPv6: `::` (dual-stack, the default) and ::ffff:127.0.0.1.
const LOOPBACK_V4 = new Set(['00000000', '0100007F', '7F000001']);
const LOOPBACK_V6 = new Set([
  '00000000000000000000000000000000',
  '0000000000000000FFFF00000100007F',
  '0000000000000000FFFF00007F000001',
  '00000000000000000000FFFF7F000001',
]);
const LISTEN = '0A';

/**
 * Adds the ports of the table's LISTEN sockets bound to one of `addresses`. A row:
 * `  0: 0100007F:1F90 00000000:0000 0A ...` (slot, local address:port, remote, state, ...).
 */
function addListening(table: string, addresses: ReadonlySet<string>, ports: Set<number>): void {
  for (const row of table.split('\n')) {
    const fields = row.trim().split(/\s+/);
    if (fields[3] !== LISTEN) continue;
    const local = fields[1] ?? '';
    const colon = local.indexOf(':');
    if (colon === -1 || !addresses.has(local.slice(0, colon).toUpperCase())) continue;
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (Number.isInteger(port)) ports.add(port);
  }
}
