/** Mocha root hooks: the shared integration stack is stopped once, after every suite. */
import { stopStack } from './stack';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopStack();
  },
};
