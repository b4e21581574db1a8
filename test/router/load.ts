// A bounded load on 127.0.0.1 for the zero-downtime tests: a few keep-alive connections, each
// sending one request after another with a pause, counting every answer and every failure.
import { Agent, request } from 'node:http';

export interface LoadResult {
  ok: number;
  /** Every failure: a status other than 200, or a connection error, with what it was. */
  failures: string[];
  /** Bodies' first words (the instance names that answered), counted. */
  servedBy: Map<string, number>;
}

export function startLoad(port: number, opts: { connections?: number; pauseMs?: number; path?: string } = {}): { stop(): Promise<LoadResult>; result: LoadResult } {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections ?? 8 });
  const result: LoadResult = { ok: 0, failures: [], servedBy: new Map() };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: opts.path ?? '/', agent, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200) {
            result.ok += 1;
            const who = body.split(' ')[0] ?? '';
            result.servedBy.set(who, (result.servedBy.get(who) ?? 0) + 1);
          } else result.failures.push(`${res.statusCode}: ${body.slice(0, 200)}`);
          resolve();
        });
        res.on('error', (err) => {
          result.failures.push(`response: ${err.message}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        result.failures.push(`request: ${err.message}`);
        resolve();
      });
      req.end();
    });
  const loop = async () => {
    while (running) {
      await one();
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 20));
    }
  };
  const loops = Array.from({ length: opts.connections ?? 8 }, loop);
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return result;
    },
  };
}
