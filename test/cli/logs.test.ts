// `dozen logs` end to end: a real `dozen start` stores its lines, the built CLI reads them back
// (after the app stopped, and live with --tail); `--drain` delivers to a receiver in this process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killAllStarted, runCli, startCli, tempApp } from './helpers.js';
import { SyslogReceiver } from '../logs/drains/receivers.js';

const T = { timeout: 90_000 };
const LOGPLEX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00 (app|dozen)\[[\w.-]+\]: /;

after(() => killAllStarted());

const basePort = () => String(30_000 + Math.floor(Math.random() * 200) * 100);

/** Runs a formation that prints and exits, to completion; returns the app. */
async function ranApp() {
  const app = await tempApp({
    Procfile: [
      'clock: echo "tick 1"; echo "tick 2 database ok"; echo "warning: disk 91%" >&2',
      'worker: for i in 1 2 3 4 5; do echo "job $i done for user-$i"; done',
      '',
    ].join('\n'),
  });
  const run = await runCli(['start', '-d', app.dir, '-p', basePort(), '--can-die', 'clock,worker', '--no-color'], { timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  return app;
}

test('after the app stopped: Logplex text, JSON, and every filter', T, async () => {
  const app = await ranApp();
  try {
    // A short run leaves its lines in the spool; the first `dozen logs` moves them into the store.
    assert.equal(statSync(join(app.dir, '.dozen', 'logs.spool')).mode & 0o777, 0o600);
    const all = await runCli(['logs', '-d', app.dir]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(statSync(join(app.dir, '.dozen', 'logs.db')).mode & 0o777, 0o600);
    const lines = all.stdout.trimEnd().split('\n');
    for (const l of lines) assert.match(l, LOGPLEX);
    const app_ = lines.filter((l) => / app\[/.test(l)).map((l) => l.replace(LOGPLEX, '$1 '));
    // Per instance, lines are in the order the process wrote them.
    assert.deepEqual(app_.filter((l) => l.includes('job')), [1, 2, 3, 4, 5].map((i) => `app job ${i} done for user-${i}`));
    assert.ok(lines.some((l) => / app\[clock\.1\]: warning: disk 91%$/.test(l)));
    assert.ok(lines.some((l) => / dozen\[worker\.1\]: worker\.1 exited with code 0$/.test(l)), all.stdout);

    const worker = await runCli(['logs', '-d', app.dir, '--ps', 'worker', '--source', 'app', '-n', '2']);
    assert.deepEqual(worker.stdout.trimEnd().split('\n').map((l) => l.replace(LOGPLEX, '')), ['job 4 done for user-4', 'job 5 done for user-5']);

    const json = await runCli(['logs', '-d', app.dir, '--json', '--search', 'database']);
    assert.equal(json.code, 0, json.stderr);
    const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objs.length, 1);
    assert.deepEqual(
      { ...objs[0], id: 0, time: '' },
      { id: 0, time: '', source: 'app', instance: 'clock.1', type: 'clock', stream: 'stdout', text: 'tick 2 database ok' },
    );
    assert.match(String(objs[0]?.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);

    const grep = await runCli(['logs', '-d', app.dir, '--grep', 'user-[24]$']);
    assert.deepEqual(grep.stdout.trimEnd().split('\n').map((l) => l.replace(LOGPLEX, '')), ['job 2 done for user-2', 'job 4 done for user-4']);

    const search = await runCli(['logs', '-d', app.dir, '--search', 'user-3']);
    assert.deepEqual(search.stdout.trimEnd().split('\n').map((l) => l.replace(LOGPLEX, '')), ['job 3 done for user-3']);

    const dozen = await runCli(['logs', '-d', app.dir, '--source', 'dozen', '--since', '10m']);
    assert.ok(dozen.stdout.trimEnd().split('\n').every((l) => / dozen\[/.test(l)));
    const future = await runCli(['logs', '-d', app.dir, '--since', '2999-01-01T00:00:00Z']);
    assert.deepEqual([future.code, future.stdout], [0, '']);
  } finally {
    await app.cleanup();
  }
});

test('one-line errors: no store yet, bad flags', T, async () => {
  const app = await tempApp({ Procfile: 'web: true\n' });
  try {
    const none = await runCli(['logs', '-d', app.dir]);
    assert.equal(none.code, 69);
    assert.match(none.stderr, /^dozen: no logs stored for the app in .* yet .*\n$/);
    for (const [args, msg] of [
      [['--source', 'web'], /^dozen: --source: expected app, dozen or build, got "web"\n/],
      [['-n', 'ten'], /^dozen: -n: expected a number of lines, got "ten"\n/],
      [['--since', 'yesterday'], /^dozen: --since: expected a duration like 10m/],
      [['--grep', '(['], /^dozen: --grep: invalid regular expression/],
      [['-f', '--until', '1h'], /^dozen: --until cannot be combined with --tail\n/],
    ] as Array<[string[], RegExp]>) {
      const r = await runCli(['logs', '-d', app.dir, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    const drain = await runCli(['start', '-d', app.dir, '--drain', 'ftp://example.com:21']);
    assert.equal(drain.code, 2, drain.stderr);
    assert.match(drain.stderr, /^dozen: --drain: expected syslog:\/\/host:port.*got scheme "ftp:"/m);
    const retention = await runCli(['start', '-d', app.dir, '--log-retention', 'forever']);
    assert.equal(retention.code, 2, retention.stderr);
    assert.match(retention.stderr, /--log-retention: expected an age like 7d/);
  } finally {
    await app.cleanup();
  }
});

test('--tail follows a running app, with filters, and --drain delivers its lines', T, async () => {
  const rx = new SyslogReceiver();
  const port = await rx.start();
  const app = await tempApp({
    Procfile: [
      'ticker: i=0; while true; do i=$((i+1)); echo "tick $i"; echo "noise $i"; sleep 0.05; done',
      'quiet: echo "quiet started"; exec sleep 1000',
      '',
    ].join('\n'),
  });
  const dozen = startCli(['start', '-d', app.dir, '-p', basePort(), '--no-color', '--drain', `syslog://127.0.0.1:${port}`]);
  try {
    await dozen.waitForOutput(/ticker\.1 +\| tick 3\n/);
    const tail = startCli(['logs', '-d', app.dir, '-f', '--ps', 'ticker', '--grep', '^tick', '-n', '1']);
    // The history first (one line), then live lines, each once and in order.
    const first = Number((await tail.waitForOutput(/app\[ticker\.1\]: tick (\d+)\n/))[1]);
    await tail.waitForOutput(new RegExp(`app\\[ticker\\.1\\]: tick ${first + 10}\\n`), 20_000);
    tail.signal('SIGINT');
    await tail.exited(10_000);
    const got = tail.stdout().trimEnd().split('\n').map((l) => l.replace(LOGPLEX, ''));
    const ticks = got.map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]));
    assert.ok(ticks.every((n, i) => n === first + i), `consecutive ticks from ${first}: ${got.join(' | ')}`);

    // The drain: RFC 5424 with the app folder as APP-NAME and the instance as PROCID.
    await rx.waitFor(5);
    const tick = rx.messages.find((m) => m.msg === 'tick 1');
    assert.ok(tick, rx.messages.slice(0, 5).map((m) => m.msg).join(' | '));
    assert.deepEqual([tick.appName, tick.procId, tick.msgId], [app.dir.split('/').pop(), 'ticker.1', 'app']);
    assert.ok(rx.messages.some((m) => m.procId === 'quiet.1' && m.msg === 'quiet started'));
    assert.ok(rx.messages.some((m) => m.msgId === 'dozen' && /ticker\.1 started pid \d+/.test(m.msg)));
  } finally {
    dozen.signal('SIGTERM');
    const end = await dozen.exited(20_000);
    assert.equal(end.signal, null);
    await rx.stop();
    await app.cleanup();
  }
});

test('--tail follows through a stop of dozen and a new start: every line once, in order', T, async () => {
  const app = await tempApp({ Procfile: 'ticker: i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.05; done\n' });
  const port = basePort();
  let dozen = startCli(['start', '-d', app.dir, '-p', port, '--no-color']);
  const tail = startCli(['logs', '-d', app.dir, '-f', '--json', '-n', '1000']);
  try {
    await dozen.waitForOutput(/ticker\.1 +\| tick 3\n/);
    await tail.waitForOutput(/"text":"tick 5"/, 20_000);
    dozen.signal('SIGTERM');
    await dozen.exited(20_000);
    // The first run's last words reach the follower, then the second run's lines.
    await tail.waitForOutput(/"text":"ticker\.1 was terminated by SIGTERM"/, 20_000);
    dozen = startCli(['start', '-d', app.dir, '-p', port, '--no-color']);
    await dozen.waitForOutput(/ticker\.1 +\| tick 3\n/);
    await tail.waitForOutput(/"text":"tick 5"[\s\S]*"text":"tick 5"/, 30_000);
    tail.signal('SIGINT');
    await tail.exited(10_000);
    const lines = tail
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; source: string; text: string });
    const ids = lines.map((l) => l.id);
    assert.ok(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)), `ids strictly increasing: ${ids.join(',')}`);
    const runs = lines.filter((l) => l.source === 'app').map((l) => Number(/^tick (\d+)$/.exec(l.text)?.[1]));
    const second = runs.lastIndexOf(1);
    assert.ok(second > 0, `two runs: ${runs.join(',')}`);
    for (const part of [runs.slice(0, second), runs.slice(second)]) {
      assert.ok(part.every((n, i) => n === (part[0] as number) + i), `consecutive ticks: ${part.join(',')}`);
    }
  } finally {
    killAllStarted();
    await app.cleanup();
  }
});

test('an idle dozen never loads SQLite on its main thread; a follower is served through it', T, async () => {
  const app = await tempApp({ Procfile: 'ticker: i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done\n' });
  const dozen = startCli(['start', '-d', app.dir, '-p', basePort(), '--no-color']);
  const sqliteMapped = () => readFileSync(`/proc/${dozen.pid}/maps`, 'utf8').includes('better_sqlite3');
  try {
    await dozen.waitForOutput(/ticker\.1 +\| tick 3\n/);
    assert.equal(sqliteMapped(), false, 'light output goes to the spool: no SQLite in dozen');
    const tail = startCli(['logs', '-d', app.dir, '-f', '-n', '1']);
    const seen = Number((await tail.waitForOutput(/app\[ticker\.1\]: tick (\d+)\n/))[1]);
    await tail.waitForOutput(new RegExp(`app\\[ticker\\.1\\]: tick ${seen + 2}\\n`), 20_000);
    assert.equal(sqliteMapped(), true, 'the follower is served by dozen, which now reads its store');
    tail.signal('SIGINT');
    await tail.exited(10_000);
  } finally {
    killAllStarted();
    await app.cleanup();
  }
});
