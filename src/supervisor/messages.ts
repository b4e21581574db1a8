// dozen's own human lines (`web.1 started pid 123 on port 5000`), derived from typed events.
// Pure; the driver emits them as `message` events, which the printer shows tagged `dozen`.
import type { SupervisorEvent } from './events.js';
import { describeOutcome, isSuccess } from './outcome.js';
import { STABLE_UPTIME_MS } from './restart-policy.js';

export interface Message {
  level: 'info' | 'warn' | 'error';
  text: string;
}

export interface MessageContext {
  timeoutMs: number;
  /** While the whole formation stops, per-instance "stopping" lines would only repeat the one line. */
  formationStopping: boolean;
}

export function messageFor(event: SupervisorEvent, ctx: MessageContext): Message | undefined {
  switch (event.type) {
    case 'spawned':
      return info(`${event.instance} started pid ${event.pid}${event.port === undefined ? '' : ` on port ${event.port}`}`);
    case 'ready':
      return event.health === undefined
        ? info(`${event.instance} listening on :${event.port} after ${event.afterMs} ms`)
        : info(`${event.instance} listening on :${event.port}; health check GET ${event.health.path} answered ${event.health.status} after ${event.afterMs} ms`);
    case 'boot-timeout':
      if (event.healthPath !== undefined) {
        return { level: 'warn', text: `${event.instance} has not answered GET ${event.healthPath} with 2xx/3xx after ${seconds(event.afterMs)} (port ${event.port} accepts)` };
      }
      return {
        level: 'warn',
        text: `${event.instance} has not bound port ${event.port} after ${seconds(event.afterMs)}; it should listen on $PORT (${event.port})`,
      };
    case 'exited': {
      const ok = isSuccess(event.outcome) || (ctx.formationStopping && event.outcome.reason === 'signal');
      return { level: ok ? 'info' : 'warn', text: `${event.instance} ${describeOutcome(event.outcome)}` };
    }
    case 'restarting':
      return info(`${event.instance} restarting in ${seconds(event.delayMs)} (attempt ${event.attempt})`);
    case 'gave-up':
      return {
        level: 'error',
        text: `${event.instance} exited ${event.failures} times in a row within ${seconds(STABLE_UPTIME_MS)} of starting; giving up on it`,
      };
    case 'stopping':
      return ctx.formationStopping ? undefined : info(`sending ${event.signal} to ${event.instance}`);
    case 'killing':
      if (event.reason === 'timeout') {
        return { level: 'warn', text: `${event.instance} did not stop within ${seconds(ctx.timeoutMs)}: sending SIGKILL` };
      }
      // A forced stop of everything is said once ("sending SIGKILL to all processes").
      return ctx.formationStopping ? undefined : { level: 'warn', text: `sending SIGKILL to ${event.instance}` };
    case 'formation-stopping': // the driver words it: it knows whether anything runs
    case 'output':
    case 'stopped':
    case 'message':
    case 'formation-exited':
      return undefined;
  }
}

function info(text: string): Message {
  return { level: 'info', text };
}

/** 1500 -> "1.5 s", 60000 -> "60 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
