// Does something accept TCP connections on 127.0.0.1:port? One cheap connect, closed at once.
import { connect } from 'node:net';

export type PortProbe = (port: number) => Promise<boolean>;

export const probePort: PortProbe = (port) =>
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
