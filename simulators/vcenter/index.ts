/** The vCenter simulator (vSphere Automation REST API, /api style) as a startable module. */
import { serve, type SimulatorModule } from '../common';
import { createVcenterApp } from './app';

/** Starts the vCenter simulator on its own port. */
export const simulator: SimulatorModule = {
  system: 'vcenter',
  start: async (ctx, listen) => {
    const served = await serve(createVcenterApp(ctx), listen);
    return { system: 'vcenter', url: served.url, stop: served.stop };
  },
};

export { createVcenterApp, vmInfo } from './app';
