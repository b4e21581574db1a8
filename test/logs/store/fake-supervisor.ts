// A SupervisorHandle that only publishes events: what the store and the drains subscribe to.
import type { SupervisorEvent, StreamName } from '../../../src/supervisor/events.js';
import type { OutputValve, RolloutResult, SupervisorHandle } from '../../../src/supervisor/handle.js';

export class FakeSupervisor implements SupervisorHandle {
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();

  emit(e: SupervisorEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** One output event holding `lines` (each gets its `\n`). */
  output(instance: string, lines: string[], stream: StreamName = 'stdout', at = Date.now()): void {
    this.emit({ type: 'output', at, instance, stream, data: Buffer.from(lines.map((l) => `${l}\n`).join('')) });
  }

  message(text: string, instance?: string, level: 'info' | 'warn' | 'error' = 'info', at = Date.now()): void {
    this.emit({ type: 'message', at, level, text, ...(instance === undefined ? {} : { instance }) });
  }

  /** What was said through `say` (the store's and the drains' notices), in order. */
  readonly said: string[] = [];

  say(level: 'info' | 'warn' | 'error', text: string, instance?: string): void {
    this.said.push(text);
    this.message(text, instance, level);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  status(): never {
    throw new Error('not used by the log store');
  }
  specs(): never {
    throw new Error('not used by the log store');
  }
  rollout(): Promise<RolloutResult> {
    return Promise.reject(new Error('not used by the log store'));
  }
  restart(): Promise<RolloutResult> {
    return Promise.reject(new Error('not used by the log store'));
  }
  stop(): Promise<void> {
    return Promise.reject(new Error('not used by the log store'));
  }
  add(): Promise<void> {
    return Promise.reject(new Error('not used by the log store'));
  }
  remove(): Promise<void> {
    return Promise.reject(new Error('not used by the log store'));
  }
  shutdown(): Promise<number> {
    return Promise.reject(new Error('not used by the log store'));
  }
  outputValve(): OutputValve {
    return { pause() {}, resume() {} };
  }
  addDrainer(): () => void {
    throw new Error('not used by the log store');
  }
  publish(source: string, data: Buffer): void {
    this.emit({ type: 'output', at: Date.now(), instance: source, stream: 'stdout', data });
  }
}
