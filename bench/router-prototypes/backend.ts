// The web instance behind the proxies: a node:http server on $PORT answering every request with
// a 100-byte body, as cheap as a Node.js web process gets.
import { createServer } from 'node:http';

const BODY = Buffer.from(`${'hello from a dozen web instance '.repeat(4).slice(0, 99)}\n`);
const port = Number(process.env.PORT);
createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
}).listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
