/**
 * A child of the launcher exits when the launcher is gone (killed with SIGKILL, say), so no
 * worker or API process is left behind polling or listening.
 */
export function exitWithParent(onOrphaned: () => void): void {
  const parent = Number(process.env.STACK_PARENT_PID);
  if (!parent) return;
  setInterval(() => {
    if (process.ppid !== parent) onOrphaned();
  }, 1_000).unref();
}
