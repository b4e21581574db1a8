// `dozen logs --ps PATTERN` with a pattern no stored line's instance matches: said, as `dozen stop`
// says it, rather than an empty output and exit 0.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllStarted, runCli, startCli, tempApp } from './helpers.js';

after(() => killAllStarted());

test('--ps that matches no instance: a usage error listing the instances; with -f a warning', { timeout: 90_000 }, async (t) => {
  const app = await tempApp({ Procfile: 'web: echo serving\nworker: echo working\n' });
  t.after(app.cleanup);
  const port = String(31_000 + Math.floor(Math.random() * 200) * 100);
  const run = await runCli(['start', '-d', app.dir, '-p', port, '--can-die', 'web,worker', '--no-color'], { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);

  const typo = await runCli(['logs', '-d', app.dir, '--ps', 'wbe']);
  assert.equal(typo.code, 2);
  assert.equal(typo.stdout, '');
  assert.match(typo.stderr, /^dozen: --ps: "wbe" matches no instance with stored lines \(instances: [^)]*\bweb\.1, worker\.1\b[^)]*\)\n$/);

  const glob = await runCli(['logs', '-d', app.dir, '--ps', 'x*']);
  assert.equal(glob.code, 2);
  const good = await runCli(['logs', '-d', app.dir, '--ps', 'w*', '--source', 'app']);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /serving/);

  const follow = startCli(['logs', '-d', app.dir, '-f', '--ps', 'wbe']);
  await follow.waitForOutput(/dozen: warning: --ps: "wbe" matches no instance with stored lines .*following in case it starts/);
  follow.signal('SIGTERM');
  await follow.exited();
});
