/** Builds a simulator context, for the launcher and for tests that start one simulator alone. */
import { createLogger } from '../../platform/logger';
import { World, type WorldOptions } from '../world';
import { generateCredentials } from './credentials';
import { RequestStats, type SimulatorContext, type SimulatorCredentials } from './types';

/** Opens (or seeds) the world in `dataDir` and pairs it with credentials, a logger and stats. */
export function createContext(
  options: WorldOptions & { credentials?: Partial<SimulatorCredentials>; logLevel?: string },
): SimulatorContext {
  return {
    world: World.open(options),
    credentials: generateCredentials(options.credentials),
    log: createLogger('simulators', options.logLevel ?? process.env.SIM_LOG_LEVEL ?? 'warn'),
    stats: new RequestStats(),
  };
}
