// Prototype A: node:http server, node:http client with one keep-alive http.Agent per upstream
// (no socket limit), bodies streamed with pipe().
import { Agent, createServer, request } from 'node:http';
import { AccessLog, responseHeaders, roundRobin, settingsFromEnv, upstreamHeaders } from './common.js';

const settings = settingsFromEnv();
const log = new AccessLog(settings.logPath);
const pick = roundRobin(settings.upstreams.map((u) => ({ ...u, agent: new Agent({ keepAlive: true, scheduling: 'lifo' }) })));

createServer((req, res) => {
  const startedAt = performance.now();
  const upstream = pick();
  const { id, headers } = upstreamHeaders(req, settings.port);
  const out = request({ host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent: upstream.agent }, (up) => {
    res.writeHead(up.statusCode ?? 502, responseHeaders(up.rawHeaders));
    up.pipe(res);
    up.once('end', () => log.line(req, up.statusCode ?? 502, upstream, id, startedAt));
  });
  out.once('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`bad gateway: ${err.message}\n`);
    log.line(req, 502, upstream, id, startedAt);
  });
  req.pipe(out);
}).listen(settings.port, '127.0.0.1', () => console.log(`listening on ${settings.port}`));
