// A SupervisorHandle over plain data, for protocol tests: the real supervisor is exercised by the
// end-to-end tests in test/cli/control.test.ts. It records every call it gets.
import type { ProcessSpec } from '../../src/formation/types.js';
import type { SupervisorEvent } from '../../src/supervisor/events.js';
import type { InstanceStatus, OutputValve, RolloutRequest, RolloutResult, SupervisorHandle } from '../../src/supervisor/handle.js';

export function spec(name: string, port: number | undefined): ProcessSpec {
  const [type = '', index = '1'] = name.split('.');
  return { name, type, index: Number(index), command: `run ${type}`, port, env: {}, cwd: '/app' };
}

export class FakeSupervisor implements SupervisorHandle {
  readonly calls: Array<{ method: string; args: unknown }> = [];
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly rows = new Map<string, InstanceStatus>();
  private readonly specList: ProcessSpec[] = [];
  // Above any pid_max in use (4194304 is the largest), so /proc never has them.
  private nextPid = 5_000_000;
  shutdownCode = 0;

  constructor(specs: ProcessSpec[]) {
    for (const s of specs) this.start(s);
  }

  emit(event: SupervisorEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** Forces a state, e.g. `pending` as while the release phase runs. */
  setState(name: string, state: InstanceStatus['state']): void {
    Object.assign(this.rows.get(name) as InstanceStatus, { state, pid: state === 'pending' ? undefined : this.rows.get(name)?.pid });
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): InstanceStatus[] {
    return this.specList.map((s) => ({ ...(this.rows.get(s.name) as InstanceStatus) }));
  }

  specs(): ProcessSpec[] {
    return [...this.specList];
  }

  async rollout(request: RolloutRequest): Promise<RolloutResult> {
    this.calls.push({ method: 'rollout', args: [request.mode, ...request.names] });
    const next = request.spec;
    if (next) for (const [i, s] of this.specList.entries()) if (request.names.includes(s.name)) this.specList[i] = next(s);
    return this.replace(request.names);
  }

  async restart(names: string[]): Promise<RolloutResult> {
    this.calls.push({ method: 'restart', args: names });
    return this.replace(names);
  }

  private replace(names: string[]): RolloutResult {
    for (const name of names) {
      const row = this.rows.get(name) as InstanceStatus;
      const release = this.specList.find((s) => s.name === name)?.release;
      Object.assign(row, { state: 'running', pid: this.nextPid++, startedAt: Date.now(), restarts: row.restarts + 1, generation: row.generation + 1, release });
    }
    return { ok: true, replaced: names };
  }

  async stop(names: string[]): Promise<void> {
    this.calls.push({ method: 'stop', args: names });
    for (const name of names) {
      Object.assign(this.rows.get(name) as InstanceStatus, { state: 'stopped', pid: undefined, startedAt: undefined, lastExit: { reason: 'signal', signal: 'SIGTERM' } });
    }
  }

  async add(specs: ProcessSpec[]): Promise<void> {
    this.calls.push({ method: 'add', args: specs.map((s) => s.name) });
    for (const s of specs) this.start(s);
  }

  async remove(names: string[]): Promise<void> {
    this.calls.push({ method: 'remove', args: names });
    for (const name of names) {
      this.rows.delete(name);
      this.specList.splice(
        this.specList.findIndex((s) => s.name === name),
        1,
      );
    }
  }

  async shutdown(reason: string): Promise<number> {
    this.calls.push({ method: 'shutdown', args: reason });
    return this.shutdownCode;
  }

  say(level: 'info' | 'warn' | 'error', text: string, instance?: string): void {
    this.emit({ type: 'message', at: Date.now(), level, text, ...(instance === undefined ? {} : { instance }) });
  }

  outputValve(): OutputValve {
    return { pause() {}, resume() {} };
  }

  addDrainer(): () => void {
    return () => undefined;
  }

  publish(source: string, data: Buffer): void {
    this.emit({ type: 'output', at: Date.now(), instance: source, stream: 'stdout', data });
  }

  private start(s: ProcessSpec): void {
    this.specList.push(s);
    this.rows.set(s.name, {
      name: s.name,
      type: s.type,
      index: s.index,
      state: 'running',
      pid: this.nextPid++,
      port: s.port,
      ready: s.port !== undefined,
      startedAt: Date.now(),
      restarts: 0,
      lastExit: undefined,
      generation: 1,
      release: s.release,
      role: 'member',
    });
  }
}
