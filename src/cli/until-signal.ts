/**
 * Resolves on the first SIGINT or SIGTERM, then removes its handlers. Use it to keep a foreground server
 * running until Ctrl-C or a service manager's stop; while it waits, those signals no longer kill the process.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
