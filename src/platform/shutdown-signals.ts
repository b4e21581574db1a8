// SIGINT, SIGTERM and SIGHUP to dozen: the first asks for a graceful stop, any further one
// forces it (a second Ctrl-C SIGKILLs at once). The CLI installs this; the supervisor core never
// touches process signals.
export const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface ShutdownHandlers {
  graceful(signal: NodeJS.Signals): void;
  force(signal: NodeJS.Signals): void;
}

/** Installs the handlers; returns the function that removes them. */
export function onShutdownSignals(handlers: ShutdownHandlers): () => void {
  let received = 0;
  const listener = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) handlers.graceful(signal);
    else handlers.force(signal);
  };
  for (const s of SHUTDOWN_SIGNALS) process.on(s, listener);
  return () => {
    for (const s of SHUTDOWN_SIGNALS) process.off(s, listener);
  };
}
