// A TCP port nothing listens on right now, as the kernel picks one for a bind to port 0.
import { createServer } from 'node:net';

export type FreePort = () => Promise<number>;

export const kernelFreePort: FreePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    // Bound on every interface, as apps bind theirs: free there is free on 127.0.0.1 too.
    server.listen({ port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the kernel gave no port'))));
    });
  });
