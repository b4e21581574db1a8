// The listening side of the socket: framing, validation and replies. What each method does is
// up to the Dispatcher plugged in (a "starting" one until the supervisor is attached).
import type { Server, Socket } from 'node:net';
import { readJsonLines } from './json-lines.js';
import { ControlFailure } from './control-failure.js';
import type { Request, ServerInfo } from './protocol.js';
import { MAX_LINE_BYTES, PROTOCOL_VERSION, encodeLine } from './wire.js';

export { ControlFailure } from './control-failure.js';

/** The request schemas (zod), loaded with the first request: most runs are never asked anything. */
let protocol: Promise<typeof import('./protocol.js')> | undefined;
const loadProtocol = () => (protocol ??= import('./protocol.js'));

/** What a dispatcher can do with the connection a request came on (used by `subscribe`). */
export interface Connection {
  /** Writes one line (dropped if the client is gone). */
  send(message: object): void;
  /** Bytes written but not yet taken by the client. */
  queuedBytes(): number;
  /** Resolves once the client has taken what was written (or the connection closed). */
  drained(): Promise<void>;
  /** Called once when the connection closes. */
  onClose(listener: () => void): void;
}

export interface Dispatcher {
  /** Resolves with the result, or rejects (ControlFailure for an expected failure). */
  handle(request: Request, connection: Connection): Promise<unknown>;
}

export class ControlEndpoint {
  private dispatcher: Dispatcher;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly server: Server,
    readonly info: ServerInfo,
    dispatcher: Dispatcher,
  ) {
    this.dispatcher = dispatcher;
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Swaps what requests do (the supervisor is attached, or detached again). */
  setDispatcher(dispatcher: Dispatcher): void {
    this.dispatcher = dispatcher;
  }

  /** Stops listening and hangs up on every client (a `quit` client sees its connection close). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const closeListeners: Array<() => void> = [];
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const listener of closeListeners.splice(0)) listener();
    });
    // A client that vanishes mid-reply must not take dozen down.
    socket.on('error', () => socket.destroy());
    // A client that half-closes after its requests (`nc -N`, socket.end()) still gets the
    // answers: the server is half-open, and ends its side once every request is answered. A
    // stream (`subscribe`, a followed `logs`) ends then too: the half-close is how a client hangs up.
    let pending = 0;
    let clientEnded = false;
    const endIfDone = (): void => {
      if (clientEnded && pending === 0 && !socket.destroyed) socket.end();
    };
    socket.on('end', () => {
      clientEnded = true;
      endIfDone();
    });
    const connection: Connection = {
      send: (message) => {
        if (!socket.destroyed) socket.write(encodeLine({ v: PROTOCOL_VERSION, ...message }));
      },
      queuedBytes: () => socket.writableLength,
      drained: () =>
        socket.destroyed || socket.writableLength === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const done = () => {
                socket.off('drain', done);
                socket.off('close', done);
                resolve();
              };
              socket.on('drain', done);
              socket.on('close', done);
            }),
      onClose: (listener) => (socket.destroyed ? listener() : closeListeners.push(listener)),
    };
    readJsonLines(socket, {
      maxLineBytes: MAX_LINE_BYTES,
      onLine: (line) => {
        pending += 1;
        void this.answer(line, connection).finally(() => {
          pending -= 1;
          endIfDone();
        });
      },
      onOverflow: () => {
        connection.send({ id: null, ok: false, error: { code: 'bad-request', message: `request line longer than ${MAX_LINE_BYTES} bytes` } });
        socket.end();
      },
    });
  }

  private async answer(line: string, connection: Connection): Promise<void> {
    // Lines of one connection are answered in order: each awaits the same loaded module.
    const parsed = (await loadProtocol()).parseRequestLine(line);
    if (!parsed.ok) {
      connection.send({ id: parsed.id, ok: false, error: parsed.error });
      return;
    }
    const { id } = parsed.request;
    try {
      const result = await this.dispatcher.handle(parsed.request, connection);
      connection.send({ id, ok: true, result });
    } catch (err) {
      const error =
        err instanceof ControlFailure
          ? { code: err.code, message: err.message }
          : { code: 'failed' as const, message: err instanceof Error ? err.message.split('\n')[0] : String(err) };
      connection.send({ id, ok: false, error });
    }
  }
}
