// A real supervisor with a fake spawner, fake process groups, a fake port probe (the ports in
// `openPorts` accept) and a manual clock: time only moves when the test says so.
import type { ProcessSpec } from '../../src/formation/types.js';
import type { SupervisorEvent } from '../../src/supervisor/events.js';
import { createSupervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.js';
import { FakeWorld } from './fake-spawner.js';
import { ManualClock } from './manual-clock.js';

/** Let promise callbacks (probe results, awaited handle calls) run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

export function spec(name: string, port?: number): ProcessSpec {
  const [type = name, index = '1'] = name.split('.');
  return { name, type, index: Number(index), command: `run ${name}`, port, env: {}, cwd: '/app' };
}

export async function rig(specs: ProcessSpec[], opts: Partial<SupervisorOptions> = {}) {
  const clock = new ManualClock();
  const world = new FakeWorld(clock);
  const openPorts = new Set<number>();
  const events: SupervisorEvent[] = [];
  const sup = createSupervisor({
    specs,
    clock,
    spawner: world.spawner,
    groups: world.groups,
    probePort: async (port) => openPorts.has(port),
    ...opts,
  });
  sup.subscribe((e) => events.push(e));
  let code: number | undefined;
  const running = sup.run().then((c) => (code = c));
  const messages = () => events.flatMap((e) => (e.type === 'message' ? [e.text] : []));
  await settle(); // the port check before the first spawn
  return { clock, world, openPorts, events, sup, running, messages, code: () => code };
}

export type Rig = Awaited<ReturnType<typeof rig>>;

/** Shuts the rig's formation down and waits for the run to end. */
export async function finish(r: Rig): Promise<number> {
  void r.sup.shutdown('done', 0);
  r.clock.advance(10);
  return r.running.then(() => r.code() ?? -1);
}
