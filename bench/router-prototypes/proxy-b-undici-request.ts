// Prototype B: node:http server, one undici Pool per upstream, pool.request() with the request
// streamed in and the response body (a Readable) piped out.
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { AccessLog, hasBody, responseHeaders, roundRobin, settingsFromEnv, upstreamHeaders } from './common.js';

const settings = settingsFromEnv();
const log = new AccessLog(settings.logPath);
const pick = roundRobin(settings.upstreams.map((u) => ({ ...u, pool: new Pool(`http://${u.name}`, { pipelining: 1 }) })));

createServer((req, res) => {
  const startedAt = performance.now();
  const upstream = pick();
  const { id, headers } = upstreamHeaders(req, settings.port);
  upstream.pool
    .request({ method: req.method as 'GET', path: req.url!, headers: headers as Record<string, string>, body: hasBody(req) ? req : null })
    .then(
      (up) => {
        const raw: string[] = [];
        for (const [name, value] of Object.entries(up.headers)) {
          if (Array.isArray(value)) for (const v of value) raw.push(name, v);
          else if (value !== undefined) raw.push(name, value);
        }
        res.writeHead(up.statusCode, responseHeaders(raw));
        up.body.pipe(res);
        up.body.once('end', () => log.line(req, up.statusCode, upstream, id, startedAt));
      },
      (err: Error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bad gateway: ${err.message}\n`);
        log.line(req, 502, upstream, id, startedAt);
      },
    );
}).listen(settings.port, '127.0.0.1', () => console.log(`listening on ${settings.port}`));
