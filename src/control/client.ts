// The client side of the control protocol: what every CLI command (and the dashboard) uses.
import { connect, type Socket } from 'node:net';
import { DozenError, ExitCode } from '../errors.js';
import { readJsonLines } from './json-lines.js';
import type { ErrorCode, Method, RequestBody, ResultFor } from './protocol.js';
import { MAX_LINE_BYTES, PROTOCOL_VERSION, encodeLine } from './wire.js';

/** The schemas (zod) that check every answer; loaded on connect, so importing this costs nothing. */
type Protocol = typeof import('./protocol.js');

/** The server answered a request with an error. */
export class ControlRequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ControlRequestError';
  }
}

/** A streamed SupervisorEvent as it travels (output `data` is text), or a `dropped` notice. */
export type WireEvent = { type: string; at: number } & Record<string, unknown>;

type Pending = { method: Method; resolve: (result: unknown) => void; reject: (err: Error) => void };

/** One connection to a control socket; several requests may be in flight. */
export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Map<number, (event: WireEvent) => void>();
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly protocol: Protocol,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    readJsonLines(socket, {
      // Output events carry whole lines of up to 1 MiB, longer once JSON-escaped: be generous.
      maxLineBytes: MAX_LINE_BYTES * 64,
      onLine: (line) => this.onLine(line),
      // Nothing after it can be read in step: hang up, so that a streaming caller sees the end.
      onOverflow: () => {
        this.fail(new DozenError('control', 'the control server sent a line that is too long'));
        socket.destroy();
      },
    });
    socket.on('error', (err) => this.fail(new DozenError('control', `control connection failed: ${err.message}`)));
    socket.on('close', () => this.fail(new DozenError('control', 'dozen closed the control connection before answering')));
  }

  /** Connects; rejects with the raw errno error (ENOENT, ECONNREFUSED, EACCES...) on failure. */
  static async connect(socketPath: string, timeoutMs = 5000): Promise<ControlClient> {
    const protocol = await import('./protocol.js');
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connecting to ${socketPath} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket, protocol));
      });
    });
  }

  /** Sends one request and resolves with its validated result. */
  call<M extends Method>(body: Extract<RequestBody, { method: M }>, onEvent?: (event: WireEvent) => void): Promise<ResultFor<M>> {
    const id = this.nextId++;
    if (onEvent) this.eventListeners.set(id, onEvent);
    return new Promise<ResultFor<M>>((resolve, reject) => {
      this.pending.set(id, { method: body.method, resolve: resolve as (r: unknown) => void, reject });
      this.socket.write(encodeLine({ v: PROTOCOL_VERSION, id, ...body }));
    });
  }

  /** Starts streaming supervisor events to `onEvent`; resolves once the server accepted. */
  async subscribe(onEvent: (event: WireEvent) => void): Promise<void> {
    await this.call({ method: 'subscribe' }, onEvent);
  }

  close(): void {
    this.socket.end();
  }

  /** Stops reading from the server (backpressure: the server then stops sending). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private onLine(line: string): void {
    const { ServerLine, ResultFor, describeIssues } = this.protocol;
    let parsed;
    try {
      parsed = ServerLine.safeParse(JSON.parse(line));
    } catch {
      return this.fail(new DozenError('control', 'the control server sent a line that is not JSON'));
    }
    if (!parsed.success) {
      return this.fail(new DozenError('control', `unexpected answer from the control server: ${describeIssues(parsed.error)}`));
    }
    const message = parsed.data;
    if ('event' in message) {
      this.eventListeners.get(message.id)?.(message.event as WireEvent);
      return;
    }
    if (!message.ok && message.id === null) {
      // An error not tied to a request (our line was not understood): fail everything in flight.
      return this.fail(new ControlRequestError(message.error.code, message.error.message));
    }
    if (message.id === null) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (!message.ok) return pending.reject(new ControlRequestError(message.error.code, message.error.message));
    const result = ResultFor[pending.method].safeParse(message.result);
    if (!result.success) {
      pending.reject(new DozenError('control', `unexpected ${pending.method} result: ${describeIssues(result.error)}`));
    } else pending.resolve(result.data);
  }

  private fail(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * Connects to the dozen running for `root`, or throws the one-line "no running dozen" error
 * (exit code `unavailable`) that every control command shows.
 */
export async function connectToApp(root: string, socketPath: string): Promise<ControlClient> {
  try {
    return await ControlClient.connect(socketPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const exitCode = ExitCode.unavailable;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DozenError('control', `no running dozen for ${root} (no control socket at ${socketPath})`, { exitCode });
    }
    if (code === 'ECONNREFUSED') {
      throw new DozenError('control', `no running dozen for ${root} (nothing listens on the stale control socket ${socketPath})`, { exitCode });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new DozenError('control', `cannot connect to ${socketPath}: permission denied`, {
        exitCode,
        hint: 'The control socket is private to the user who started dozen.',
      });
    }
    throw new DozenError('control', `cannot connect to ${socketPath}: ${(err as Error).message}`, { exitCode });
  }
}
