// SIGINT/SIGTERM for `serve`, listened for before the server starts: a signal that arrives
// while it starts (opening the database, binding the port, right after the listening
// line) is held and closes the server as soon as it is up. Without this, Node's default
// action kills the process mid-start and it exits by signal instead of with 0.
export interface StopSignals {
  /** Closes `server` on the first signal (at once if one came during start-up); resolves with the exit code. */
  closeOnSignal(server: { close(): Promise<void> }): Promise<number>;
  /** Stops listening (start-up failed: the caller exits with its own code). */
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

export function watchStopSignals(onShutdownFailed: (error: unknown) => number): StopSignals {
  let received: NodeJS.Signals | undefined;
  let stop: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      process.stderr.write(`taskflow-webhooks: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    received = signal;
    stop?.(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    closeOnSignal(server) {
      return new Promise<number>((resolve) => {
        stop = () => {
          server.close().then(
            () => resolve(0),
            (error: unknown) => resolve(onShutdownFailed(error)),
          );
        };
        if (received !== undefined) stop(received);
      });
    },
    dispose() {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
