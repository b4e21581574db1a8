// How a command that succeeded as a command still ends with a non-zero status (`dozen run`
// returning its child's code). main.ts reads it once the action is done; nothing else exits.
let status: number | undefined;
let signalToRaise: NodeJS.Signals | undefined;

/**
 * Records the status dozen should exit with once the current command returns, and optionally a
 * signal to end by instead (with that status as the fallback if the signal is caught).
 */
export function setExitStatus(code: number, raise?: NodeJS.Signals): void {
  status = code;
  signalToRaise = raise;
}

/** The recorded status (and forgets it, so several in-process runs in tests do not leak). */
export function takeExitStatus(): number | undefined {
  const code = status;
  status = undefined;
  return code;
}

/** The signal dozen should end by, if any (read once, by main.ts's entry point). */
export function takeSignalToRaise(): NodeJS.Signals | undefined {
  const signal = signalToRaise;
  signalToRaise = undefined;
  return signal;
}

let outlives = false;

/**
 * Marks the running command as one that goes on when the reader of its stdout goes away
 * (`dozen start | grep x`, then Ctrl-C ends grep too): it supervises processes, and losing the
 * terminal must not change how they stop. Commands that only print stop quietly instead.
 */
export function outliveStdout(): void {
  outlives = true;
}

export function outlivesStdout(): boolean {
  return outlives;
}
