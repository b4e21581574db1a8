// Helper process for watchdog.test.ts: starts a watchdog, three process groups (one with a
// grandchild), registers two, registers then unregisters the third, reports the pids, and
// waits to be SIGKILLed. Run with --hold.
import { spawn } from 'node:child_process';
import { startWatchdog } from '../../src/platform/watchdog.js';

// `node --test dist/test/` runs every file under test/ as a test file: without --hold, do nothing.
if (!process.argv.includes('--hold')) process.exit(0);

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
