// Fans the supervisor's lines out to every drain. The listener copies each output chunk once and
// queues it on each drain; formatting and sending happen later, off the terminal path.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DozenError } from '../../errors.js';
import type { SupervisorEvent } from '../../supervisor/events.js';
import type { SupervisorHandle } from '../../supervisor/handle.js';
import type { Drain, DrainOptions } from './drain.js';
import { parseDrainUrl, type DrainTarget } from './drain-url.js';
import { HttpsDrain } from './https-drain.js';
import { SyslogDrain } from './syslog-drain.js';

export interface AttachDrainsOptions {
  /** APP-NAME of every message (e.g. the app root's folder name). */
  appName: string;
  onMessage: DrainOptions['onMessage'];
  /** HOSTNAME of every message (default: this machine's name). */
  hostname?: string;
  /** PEM text of extra CA certificates; default: the file named by DOZEN_DRAIN_CA, if set. */
  ca?: string;
  maxBytes?: number;
  backoff?: DrainOptions['backoff'];
  /** How long detaching may spend delivering what is queued (default 2 s). */
  closeTimeoutMs?: number;
}

export interface AttachedDrains {
  (): Promise<void>;
  drains: Drain[];
}

/** Starts one drain per URL (validated first: a bad URL throws a one-line usage error). */
export function attachDrains(handle: SupervisorHandle, urls: ReadonlyArray<string | DrainTarget>, opts: AttachDrainsOptions): AttachedDrains {
  const targets = urls.map((u) => (typeof u === 'string' ? parseDrainUrl(u) : u));
  const ca = opts.ca ?? readCaFile(process.env.DOZEN_DRAIN_CA);
  const drainOpts: DrainOptions = {
    hostname: opts.hostname ?? hostname(),
    appName: opts.appName,
    onMessage: opts.onMessage,
    ...(ca === undefined ? {} : { ca }),
    ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
    ...(opts.backoff === undefined ? {} : { backoff: opts.backoff }),
  };
  const drains: Drain[] = targets.map((t) => (t.kind === 'https' ? new HttpsDrain(t, drainOpts) : new SyslogDrain(t, drainOpts)));
  if (drains.length === 0) return Object.assign(async () => undefined, { drains });

  const unsubscribe = handle.subscribe((e: SupervisorEvent) => {
    if (e.type === 'output') {
      const data = Buffer.from(e.data); // one copy, shared by every drain
      const tsUs = Math.round(e.at * 1000);
      for (const d of drains) d.enqueue(tsUs, e.instance, e.origin ?? 'app', e.stream, data);
    } else if (e.type === 'message') {
      const data = Buffer.from(`${e.text}\n`);
      for (const d of drains) d.enqueue(Math.round(e.at * 1000), e.instance ?? 'dozen', 'dozen', e.level, data);
    }
  });
  const detach = async () => {
    unsubscribe();
    await Promise.all(drains.map((d) => d.close(opts.closeTimeoutMs ?? 2000)));
  };
  return Object.assign(detach, { drains });
}

function readCaFile(path: string | undefined): string | undefined {
  if (path === undefined || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DozenError('usage', `DOZEN_DRAIN_CA: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
