/** The simulators for the activity tests, with immediate transitions unless a test slows them. */
import { startSimulators, type RunningSimulators } from '../../simulators';
import type { SystemName } from '../../simulators/common';
import { tempDir } from './fixtures';

export interface ActivityLab {
  sims: RunningSimulators;
  stop(): Promise<void>;
}

/** Starts the simulators of `systems` in a temporary directory. */
export async function startActivityLab(systems: SystemName[]): Promise<ActivityLab> {
  const tmp = tempDir('activity-lab-');
  const sims = await startSimulators({
    dataDir: tmp.dir,
    durations: { '*': 0 },
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
