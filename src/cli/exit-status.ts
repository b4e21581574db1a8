// How a command that succeeded as a command still ends with a non-zero status (`dozen run`
// returning its child's code). main.ts reads it once the action is done; nothing else exits.
let status: number | undefined;

/** Records the status dozen should exit with once the current command returns. */
export function setExitStatus(code: number): void {
  status = code;
}

/** The recorded status (and forgets it, so several in-process runs in tests do not leak). */
export function takeExitStatus(): number | undefined {
  const code = status;
  status = undefined;
  return code;
}
