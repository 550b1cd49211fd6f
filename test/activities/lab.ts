/** The simulators for the activity tests, with immediate transitions unless a test slows them. */
import { startSimulators, type RunningSimulators } from '../../simulators';
import type { SystemName } from '../../simulators/common';
import { tempDir } from './fixtures';

export interface ActivityLab {
  sims: RunningSimulators;
  stop(): Promise<void>;
}

/**
 * Session lifetimes are timeouts, not transitions: `'*': 0` must not make tokens expire at once.
 * (The ACI simulator does not declare its session durations as timeouts yet, so they are set.)
 */
export const sessionDurations = {
  'aci.session-refresh-timeout': 600_000,
  'aci.session-max-lifetime': 86_400_000,
};

/** Starts the simulators of `systems` in a temporary directory. */
export async function startActivityLab(systems: SystemName[]): Promise<ActivityLab> {
  const tmp = tempDir('activity-lab-');
  const sims = await startSimulators({
    dataDir: tmp.dir,
    durations: { '*': 0, ...sessionDurations },
    systems,
    seed: 42,
    logLevel: 'silent',
  });
  return {
    sims,
    stop: async () => {
      await sims.stop();
      tmp.remove();
    },
  };
}
