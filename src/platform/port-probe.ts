// Does something accept TCP connections on 127.0.0.1:port? A few ports: one cheap connect each,
// closed at once. Many ports in the same turn (100 instances): on Linux, one read of the kernel's
// tables of TCP sockets (/proc/net/tcp and tcp6) answers for all of them; where they cannot be
// read, connects. A refused connect builds a socket and an error with a stack trace (100 of them
// per poll cost ~6 MB of RSS and ~15 ms of CPU); a table read costs ~13 ms of CPU however short
// the table (the kernel walks its whole socket hash), spent in the thread pool: fs.readFile's
// callback form, whose open/read/close run in native code (fs.promises' FileHandle and promises
// cost ~1 ms of main-thread time per read, seen in the log flood's profile).
import { readFile } from 'node:fs';
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

/**
 * Fewer probes than this in one wave are connects, more share one table read. Measured here: a
 * read of the tables costs ~13 ms of CPU however few sockets they list (the kernel walks its
 * whole socket hash, in the thread pool), a refused connect ~0.2 ms: two instances polled
 * during a log flood would pay 65 times more for the table; 100 idle ones about the same.
 */
export const TABLE_MIN_PROBES = 32;

/**
 * Routes each wave of probes (those asked in one turn of the event loop: the port watches armed
 * together fire together) to `table` when it holds at least `minForTable`, else to `connect`.
 */
export function waveProbe(
  table: PortProbe,
  connect: PortProbe,
  minForTable: number = TABLE_MIN_PROBES,
  defer: (fn: () => void) => void = (fn) => void setImmediate(fn),
): PortProbe {
  type Asked = { port: number; resolve: (open: Promise<boolean>) => void };
  let wave: Asked[] | undefined;
  return (port) =>
    new Promise<boolean>((resolve) => {
      if (wave === undefined) {
        const current: Asked[] = [];
        wave = current;
        defer(() => {
          wave = undefined;
          const probe = current.length >= minForTable ? table : connect;
          for (const asked of current) asked.resolve(probe(asked.port));
        });
      }
      wave.push({ port, resolve });
    });
}

export const probePort: PortProbe = waveProbe(listenTableProbe(), connectProbe);

/** Ports with a socket in LISTEN that a connect to 127.0.0.1 reaches; undefined if /proc/net is not readable. */
export async function readListeningPorts(): Promise<Set<number> | undefined> {
  const [v4, v6] = await Promise.all([readTable('/proc/net/tcp'), readTable('/proc/net/tcp6')]);
  if (v4 === undefined) return undefined;
  // No tcp6 table when IPv6 is disabled: IPv4 listeners are all there is.
  return parseListeningPorts(v4, v6 ?? '');
}

/** A /proc/net table's text, or undefined when it cannot be read (any error: the caller falls back). */
function readTable(path: string): Promise<string | undefined> {
  return new Promise((resolve) => readFile(path, 'latin1', (err, text) => resolve(err ? undefined : text)));
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
