// Signalling process groups. Only ESRCH (nothing left to signal) is expected and ignored.
import { constants } from 'node:os';

/** Sends `signal` to every process of the group `pgid`. Returns false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!(pgid > 1)) throw new RangeError(`refusing to signal process group ${pgid}`);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** `SIGTERM` -> 15. */
export function signalNumber(signal: NodeJS.Signals): number {
  const n = constants.signals[signal];
  if (n === undefined) throw new RangeError(`unknown signal ${signal}`);
  return n;
}

/** The shell convention for "terminated by signal": 128 + its number (SIGINT -> 130). */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + signalNumber(signal);
}

/** Accepts `TERM`, `SIGTERM`, `sigterm` or `15`; undefined when it is no signal. */
export function parseSignal(text: string): NodeJS.Signals | undefined {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return (Object.keys(constants.signals) as NodeJS.Signals[]).find((s) => constants.signals[s] === n);
  }
  const name = (t.startsWith('SIG') ? t : `SIG${t}`) as NodeJS.Signals;
  return constants.signals[name] === undefined ? undefined : name;
}
