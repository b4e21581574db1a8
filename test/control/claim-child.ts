// Run by server.test.ts as a second process: `node claim-child.js STATE_DIR`. Claims the control
// socket of STATE_DIR and prints `claimed <pid>` (then holds it until killed), or prints
// `refused <message>` and exits 3.
import { claimControlSocket } from '../../src/control/claim.js';
import { DozenError } from '../../src/errors.js';

const stateDir = process.argv[2] as string;
try {
  const claim = await claimControlSocket(stateDir, { version: 'child' });
  for (const note of claim.notes) process.stdout.write(`note ${note}\n`);
  process.stdout.write(`claimed ${process.pid}\n`);
  setInterval(() => undefined, 1 << 30); // hold the claim until killed
} catch (err) {
  if (!(err instanceof DozenError)) throw err;
  process.stdout.write(`refused ${err.oneLine()}\n`);
  process.exitCode = 3;
}
