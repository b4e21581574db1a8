// Child process for the SIGKILL tests: floods a store through attachLogStore until killed. Does
// nothing unless DOZEN_FLOOD_STORE_DIR is set (the test runner may load every file under dist/test).
// DOZEN_FLOOD_MODE=spool: the default store (lines spooled first). Otherwise the writer thread takes
// every batch and each commit is reported on stdout as `committed <lastId>`.
import { attachLogStore } from '../../../src/logs/store/attach-log-store.js';
import { FakeSupervisor } from './fake-supervisor.js';

const dir = process.env.DOZEN_FLOOD_STORE_DIR;
if (dir) {
  const sup = new FakeSupervisor();
  if (process.env.DOZEN_FLOOD_MODE === 'spool') {
    attachLogStore(sup, { stateDir: dir });
  } else {
    attachLogStore(sup, {
      stateDir: dir,
      spoolBytes: 0, // the writer thread's commits are what the test checks
      onCommit: ({ lastId }) => process.stdout.write(`committed ${lastId}\n`),
    });
  }
  let n = 0;
  const pump = () => {
    for (let e = 0; e < 10; e++) {
      const lines: string[] = [];
      for (let j = 0; j < 200; j++) lines.push(`flood ${n++} some text to search`);
      sup.output('web.1', lines);
    }
    setImmediate(pump);
  };
  pump();
}
