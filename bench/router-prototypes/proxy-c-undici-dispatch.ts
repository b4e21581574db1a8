// Prototype C: node:http server, one undici Pool per upstream, pool.dispatch() with a handler
// that writes the upstream's status, headers and chunks straight into the response (no
// intermediate stream), pausing the upstream while the client does not keep up. undici 6's
// handler API (onConnect, onHeaders, onData, onComplete, onError), as dozen depends on undici 6.
import { createServer } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { AccessLog, hasBody, responseHeaders, roundRobin, settingsFromEnv, upstreamHeaders } from './common.js';

const settings = settingsFromEnv();
const log = new AccessLog(settings.logPath);
const pick = roundRobin(settings.upstreams.map((u) => ({ ...u, pool: new Pool(`http://${u.name}`, { pipelining: 1 }) })));

createServer((req, res) => {
  const startedAt = performance.now();
  const upstream = pick();
  const { id, headers } = upstreamHeaders(req, settings.port);
  let status = 502;
  upstream.pool.dispatch(
    { method: req.method as Dispatcher.HttpMethod, path: req.url!, headers: headers as Record<string, string>, body: hasBody(req) ? req : null },
    {
      onConnect() {},
      onHeaders(statusCode, rawHeaders, resume) {
        if (statusCode < 200) return true; // 1xx: not passed on in this prototype
        status = statusCode;
        res.writeHead(statusCode, responseHeaders(rawHeaders.map((b) => b.toString('latin1'))));
        res.on('drain', resume);
        return true;
      },
      onData(chunk) {
        // false pauses the upstream connection until the client has taken what it has.
        return res.write(chunk);
      },
      onComplete() {
        res.end();
        log.line(req, status, upstream, id, startedAt);
      },
      onError(err) {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bad gateway: ${err.message}\n`);
        log.line(req, 502, upstream, id, startedAt);
      },
    },
  );
}).listen(settings.port, '127.0.0.1', () => console.log(`listening on ${settings.port}`));
