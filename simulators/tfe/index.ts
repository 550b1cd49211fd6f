/**
 * Terraform Enterprise / HCP Terraform API v2 simulator (JSON:API) over the shared lab world:
 * an apply of a workspace whose configuration holds a `vsphere_virtual_machine` creates, changes
 * or destroys that VM in vCenter's inventory. Follows ../shared/reference/tfe-api.md.
 */
import {
  serve,
  type ListenOptions,
  type RunningSimulator,
  type SimulatorContext,
  type SimulatorModule,
} from '../common';
import { createTfeApp } from './app';

export { createTfeApp } from './app';
export { tfeDurations, seededOrganization, defaultTerraformVersion } from './engine';
export type { TfeSection } from './types';

/** Starts the TFE simulator and resumes any runs and uploads the world had in flight. */
export async function startTfe(ctx: SimulatorContext, listen: ListenOptions = {}): Promise<RunningSimulator> {
  const { app, engine } = createTfeApp(ctx);
  const served = await serve(app, listen);
  engine.resume();
  const onReset = () => engine.resume();
  ctx.world.on('reset', onReset);
  return {
    system: 'tfe',
    url: served.url,
    stop: async () => {
      ctx.world.off('reset', onReset);
      await served.stop();
    },
  };
}

/** The launcher's handle on this simulator. */
export const simulator: SimulatorModule = { system: 'tfe', start: startTfe };
