// Prototype C: node:http server, one undici Pool per upstream, pool.dispatch() with a handler
// that writes the upstream's status, headers and chunks straight into the response (no
// intermediate stream), pausing the upstream while the client does not keep up.
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { AccessLog, hasBody, HOP_BY_HOP, roundRobin, settingsFromEnv, upstreamHeaders } from './common.js';

const settings = settingsFromEnv();
const log = new AccessLog(settings.logPath);
const pick = roundRobin(settings.upstreams.map((u) => ({ ...u, pool: new Pool(`http://${u.name}`, { pipelining: 1 }) })));

createServer((req, res) => {
  const startedAt = performance.now();
  const upstream = pick();
  const { id, headers } = upstreamHeaders(req, settings.port);
  let status = 502;
  upstream.pool.dispatch(
    { method: req.method!, path: req.url!, headers: headers as Record<string, string>, body: hasBody(req) ? req : null },
    {
      onRequestStart() {},
      onResponseStart(controller, statusCode, upHeaders) {
        if (statusCode < 200) return; // 1xx: not passed on in this prototype
        status = statusCode;
        const flat: string[] = [];
        for (const name in upHeaders) {
          if (HOP_BY_HOP.has(name)) continue;
          const value = upHeaders[name]!;
          if (Array.isArray(value)) for (const v of value) flat.push(name, v);
          else flat.push(name, value);
        }
        res.writeHead(statusCode, flat);
        res.on('drain', () => controller.resume());
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        res.end();
        log.line(req, status, upstream, id, startedAt);
      },
      onResponseError(_controller, err) {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bad gateway: ${err.message}\n`);
        log.line(req, 502, upstream, id, startedAt);
      },
    },
  );
}).listen(settings.port, '127.0.0.1', () => console.log(`listening on ${settings.port}`));
