// Child process for the spool's SIGKILL test: floods a store through attachLogStore with the spool
// on (the default), until killed. Does nothing unless DOZEN_SPOOL_FLOOD_DIR is set (the test runner
// may load every file under dist/test).
import { attachLogStore } from '../../../src/logs/store/attach-log-store.js';
import { FakeSupervisor } from './fake-supervisor.js';

const dir = process.env.DOZEN_SPOOL_FLOOD_DIR;
if (dir) {
  const sup = new FakeSupervisor();
  attachLogStore(sup, { stateDir: dir });
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
