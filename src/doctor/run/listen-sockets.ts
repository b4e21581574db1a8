// Which TCP ports a set of sockets listens on: the kernel's tables (/proc/net/tcp and tcp6) map
// each socket inode in LISTEN to its local port; a process's /proc/<pid>/fd links name the
// inodes it holds (`socket:[12345]`). Any local address counts (a web bound to 10.0.0.5 listens
// too, though a connect to 127.0.0.1 does not reach it).
import { readFile } from 'node:fs/promises';

const LISTEN = '0A';

/**
 * inode -> port of every LISTEN socket in a /proc/net/tcp(6) text. A row:
 * `  0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 12345 ...`
 * (slot, local address:port, remote, state, queues, timer, retransmits, uid, timeout, inode).
 */
export function parseListenInodes(text: string, into = new Map<string, number>()): Map<string, number> {
  for (const row of text.split('\n')) {
    const fields = row.trim().split(/\s+/);
    if (fields[3] !== LISTEN) continue;
    const local = fields[1] ?? '';
    const port = Number.parseInt(local.slice(local.indexOf(':') + 1), 16);
    const inode = fields[9];
    if (inode !== undefined && inode !== '0' && Number.isInteger(port)) into.set(inode, port);
  }
  return into;
}

/** The LISTEN sockets of this network namespace, inode -> port; empty where /proc/net cannot be read. */
export async function readListenInodes(procRoot = '/proc'): Promise<Map<string, number>> {
  const tables = await Promise.all(['tcp', 'tcp6'].map((t) => readFile(`${procRoot}/net/${t}`, 'latin1').catch(() => '')));
  const inodes = new Map<string, number>();
  for (const text of tables) parseListenInodes(text, inodes);
  return inodes;
}
