/** Mocha root hooks: the shared integration stack is stopped once, after every suite. */
import { stopStack } from './stack';

// A run stopped by a signal (Ctrl-C, a CI timeout, a process manager) exits through process.exit,
// whose exit hook (platform/processes.ts) stops every server the run started: they run in process
// groups of their own, which a terminal's Ctrl-C does not reach.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopStack();
  },
};
