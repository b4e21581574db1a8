// The peer: the most used Node.js proxy, `http-proxy`, as its README sets it up, round-robin over
// the upstreams with a keep-alive http.Agent, adding the same headers (xfwd adds
// X-Forwarded-For/Proto/Port; the id and start time through proxyReq) and writing one log line
// per request to a file stream.
import { createWriteStream } from 'node:fs';
import { Agent, createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import httpProxy from 'http-proxy';
import { roundRobin, settingsFromEnv } from './common.js';

const settings = settingsFromEnv();
const log = createWriteStream(settings.logPath, { flags: 'a' });
const proxy = httpProxy.createProxyServer({ agent: new Agent({ keepAlive: true }), xfwd: true });
const pick = roundRobin(settings.upstreams);

proxy.on('proxyReq', (proxyReq, req) => {
  const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
  (req as { id?: string }).id = id;
  proxyReq.setHeader('x-request-id', id);
  proxyReq.setHeader('x-request-start', `t=${Date.now()}`);
});
proxy.on('error', (err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
  res.end(`bad gateway: ${err.message}\n`);
});

createServer((req, res) => {
  const startedAt = performance.now();
  const upstream = pick();
  res.once('finish', () => {
    const ms = (performance.now() - startedAt).toFixed(1);
    log.write(`${new Date().toISOString()} method=${req.method} path="${req.url}" status=${res.statusCode} upstream=${upstream.name} request_id=${(req as { id?: string }).id} service=${ms}ms\n`);
  });
  proxy.web(req, res, { target: `http://${upstream.name}` });
}).listen(settings.port, '127.0.0.1', () => console.log(`listening on ${settings.port}`));
