// A stateless web process that binds its own $PORT (factor VII) and stops on SIGTERM (factor IX).
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 5000);
const name = process.env.PS ?? 'web';
let served = 0;

const server = createServer((req, res) => {
  served += 1;
  console.log(`${req.method} ${req.url} -> 200 (${served} served)`);
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(`${process.env.GREETING ?? 'Hello'} (${name})\n`);
});

server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));

process.on('SIGTERM', () => {
  console.log('SIGTERM received, closing the server');
  server.close(() => process.exit(0));
});
