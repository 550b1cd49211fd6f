/** The AWX simulator (`/api/v2/`) as a startable module; unfinished jobs resume on start. */
import { serve, type SimulatorModule } from '../common';
import { createAwxApp } from './app';

/** Starts the AWX simulator on its own port and re-arms timers of jobs left running. */
export const simulator: SimulatorModule = {
  system: 'awx',
  start: async (ctx, listen) => {
    const { app, runner } = createAwxApp(ctx);
    runner.resume();
    const served = await serve(app, listen);
    return { system: 'awx', url: served.url, stop: served.stop };
  },
};

export { createAwxApp } from './app';
export { parseVars } from './jobs';
