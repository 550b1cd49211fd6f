/**
 * Runs `task` now and then `everyMs` after each run ends (never two at once), reporting a failed
 * run to `onError` and carrying on. Returns the stop function, which waits for a run in progress.
 */
export function repeatEvery(
  everyMs: number,
  task: () => Promise<unknown>,
  onError: (err: Error) => void,
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = task()
      .then(() => undefined, onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everyMs);
      });
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(tick, 0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
