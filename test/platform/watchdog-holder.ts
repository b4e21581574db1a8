// Helper process for watchdog.test.ts: starts a watchdog, three process groups (one with a
// grandchild), registers two, registers then unregisters the third, reports the pids, and
// waits to be SIGKILLed. Run with --hold. With --cookies: a watchdog with a cookie token, and
// two daemons it was never told about (setsid): one with a cookie of that token, one of another.
import { spawn } from 'node:child_process';
import { startWatchdog } from '../../src/platform/watchdog.js';

// `node --test dist/test/` runs every file under test/ as a test file: without --hold, do nothing.
if (!process.argv.includes('--hold')) process.exit(0);

if (process.argv.includes('--cookies')) {
  const token = '0123456789abcdef';
  const dog = startWatchdog(token);
  const daemon = (cookie: string) =>
    spawn('/bin/sh', ['-c', 'setsid sleep 1000 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, DOZEN_INSTANCE: cookie } });
  const pidOf = (child: ReturnType<typeof daemon>) => new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim())));
  const [ours, theirs] = await Promise.all([pidOf(daemon(`${token}.7`)), pidOf(daemon('fedcba9876543210.7'))]);
  process.stdout.write(`ours ${ours} theirs ${theirs} watchdog ${dog.pid}\n`);
  setInterval(() => undefined, 1 << 30);
} else {
  const watchdog = startWatchdog();
  const group = (script: string) => spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const kept1 = group('exec sleep 1000');
  const kept2 = group('sleep 1000 & echo $!; wait');
  const spared = group('exec sleep 1000');
  for (const g of [kept1, kept2, spared]) watchdog.register(g.pid!);
  watchdog.unregister(spared.pid!);
  kept2.stdout.once('data', (b: Buffer) => {
    const grandchild = Number(b.toString().trim());
    process.stdout.write(`kept ${kept1.pid} ${kept2.pid} ${grandchild} spared ${spared.pid} watchdog ${watchdog.pid}\n`);
  });
  setInterval(() => undefined, 1 << 30);
}
