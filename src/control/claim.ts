// One dozen per app: `dozen start` claims `<stateDir>/control.sock` before it spawns anything.
// A live socket means another dozen runs (refuse, naming its pid); a socket nobody listens on is
// left over from a dozen that died (replace it, say so).
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, realpathSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { DozenError, ExitCode } from '../errors.js';
import { ControlClient } from './client.js';
import { ControlEndpoint, ControlFailure, type Dispatcher } from './control-endpoint.js';
import { gitignoreHint } from './gitignore-hint.js';
import { refuseLink } from '../platform/private-files.js';
import type { ServerInfo } from './protocol.js';
import { controlSocketPath } from './socket-path.js';
import { FEATURES, PROTOCOL_VERSION } from './wire.js';

export interface ControlSocketClaim {
  readonly socketPath: string;
  readonly stateDir: string;
  /** Lines to show the user once dozen runs (e.g. a stale socket was replaced). */
  readonly notes: string[];
  /** @internal The listening endpoint; attachControlServer plugs the supervisor into it. */
  readonly endpoint: ControlEndpoint;
  /** Stops listening, removes the socket and drops the lock. Safe to call twice. */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /** dozen's version, reported by `hello`. */
  version?: string;
  /** The app root: when given, the notes may hold the once-per-app .gitignore hint. */
  root?: string;
}

/** Claims made in this process, by real state-folder path (attachControlServer finds them here). */
const claims = new Map<string, ControlSocketClaim>();

export function claimFor(stateDir: string): ControlSocketClaim | undefined {
  return claims.get(canonical(stateDir));
}

/**
 * Binds the control socket (folder from ensureStateDir). Throws DozenError (exit code
 * `unavailable`) when a dozen already runs for this state folder. Until a supervisor is
 * attached the socket answers `hello` and `status` (phase "starting") and refuses the rest.
 */
export async function claimControlSocket(stateDir: string, opts: ClaimOptions = {}): Promise<ControlSocketClaim> {
  const socketPath = controlSocketPath(stateDir);
  const key = canonical(stateDir);
  if (claims.has(key)) throw new DozenError('internal', `the control socket ${socketPath} is already claimed by this process`);

  // The lock closes the race between two `dozen start` that both find a stale socket and would
  // each remove the other's. Linux abstract sockets vanish with their process, even on SIGKILL.
  const lock = await acquireLock(key);
  if (!lock) throw await alreadyRunning(socketPath);

  const notes: string[] = [];
  let server: Server;
  try {
    const stale = await removeStaleSocket(socketPath);
    if (stale) notes.push(`replaced a stale control socket at ${socketPath} (the dozen that made it is gone)`);
    server = await listenPrivately(socketPath);
  } catch (err) {
    lock.release();
    throw err;
  }
  server.unref(); // the supervisor keeps dozen alive, not the socket
  const hint = opts.root === undefined ? undefined : gitignoreHint(opts.root, stateDir);
  if (hint !== undefined) notes.push(hint);

  const info: ServerInfo = {
    pid: process.pid,
    version: opts.version ?? 'unknown',
    protocol: PROTOCOL_VERSION,
    stateDir,
    startedAt: Date.now(),
    phase: 'starting',
    features: FEATURES,
  };
  const endpoint = new ControlEndpoint(server, info, startingDispatcher(info));
  let released: Promise<void> | undefined;
  const claim: ControlSocketClaim = {
    socketPath,
    stateDir,
    notes,
    endpoint,
    release: () => {
      released ??= (async () => {
        claims.delete(key);
        await endpoint.close(); // net.Server.close unlinks the socket file it bound
        removeIfSocket(socketPath);
        lock.release();
      })();
      return released;
    },
  };
  claims.set(key, claim);
  return claim;
}

/** While the release phase runs there is no supervisor yet: only say who we are. */
function startingDispatcher(info: ServerInfo): Dispatcher {
  return {
    async handle(request) {
      if (request.method === 'hello') return info;
      if (request.method === 'status') return { server: info, instances: [] };
      throw new ControlFailure('starting', `dozen (pid ${info.pid}) is still starting; try again once its processes run`);
    },
  };
}

/** The state folder's real path, so that two spellings of one folder share one lock. */
function canonical(stateDir: string): string {
  try {
    return realpathSync(stateDir);
  } catch (err) {
    // Not created yet: listen() will report the real problem, with the path the user gave.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return stateDir;
    throw err;
  }
}

interface Lock {
  release(): void;
}

/** Listens on a per-folder abstract socket; undefined if another process holds it. */
async function acquireLock(key: string): Promise<Lock | undefined> {
  if (process.platform !== 'linux') return { release: () => {} }; // no abstract sockets: the socket probe alone
  const name = `\0dozen-control-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  const server = createServer((socket) => socket.destroy());
  try {
    await listen(server, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
    throw err;
  }
  server.unref(); // the lock alone must not keep dozen alive
  return { release: () => server.close() };
}

/** The refusal, naming the running dozen's pid (asked over its socket). */
async function alreadyRunning(socketPath: string): Promise<DozenError> {
  const pid = await askPid(socketPath);
  const who = pid === undefined ? 'its control socket does not answer' : `pid ${pid}`;
  return new DozenError('control', `dozen is already running for this app (${who}).`, {
    exitCode: ExitCode.unavailable,
    hint: 'Use `dozen ps`, `dozen restart` or `dozen quit` to talk to it.',
  });
}

/** Asks the dozen on `socketPath` for its pid; retries for ~2 s while it is between lock and listen. */
async function askPid(socketPath: string): Promise<number | undefined> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    try {
      const client = await ControlClient.connect(socketPath, 1000);
      try {
        return (await client.call({ method: 'hello' })).pid;
      } finally {
        client.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return undefined;
}

/** True when a socket nobody listens on was removed; throws if a dozen answers there. */
async function removeStaleSocket(socketPath: string): Promise<boolean> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(socketPath).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!isSocket) {
    refuseLink(socketPath);
    throw new DozenError('control', `${socketPath} exists and is not a socket`, { hint: 'Move it away and start again.' });
  }
  const state = await probe(socketPath);
  // Live without our lock: a dozen on another machine sharing the folder, or not on Linux.
  if (state === 'live') throw await alreadyRunning(socketPath);
  if (state === 'gone') return false;
  unlinkSync(socketPath);
  return true;
}

/** Is anything listening on the socket? */
async function probe(socketPath: string): Promise<'live' | 'stale' | 'gone'> {
  try {
    (await ControlClient.connect(socketPath, 1000)).close();
    return 'live';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'stale';
    if (code === 'ENOENT') return 'gone';
    throw err;
  }
}

/** Listens with umask 0177, so the socket is 0600 from its first instant; chmod for good measure. */
async function listenPrivately(socketPath: string): Promise<Server> {
  // Half-open: a client that ends its side after a request still gets the answer (control-endpoint.ts).
  const server = createServer({ allowHalfOpen: true });
  const umask = process.umask(0o177);
  let listening: Promise<void>;
  try {
    // For a path, bind() and listen() happen synchronously inside listen(): the umask covers
    // them, and is restored before anything else can run.
    listening = listen(server, socketPath);
  } finally {
    process.umask(umask);
  }
  await listening;
  chmodSync(socketPath, 0o600);
  return server;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function removeIfSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
