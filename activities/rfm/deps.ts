/** What the RFM tasks receive as `ctx.deps`: the repositories and the handlers that describe documents. */
import { resourceHandlers, type ResourceHandlerRegistry } from '../../resource-handlers';
import { loadRfmConfig, type RfmConfig } from './config';
import { ResourceRepositories } from './repositories';

export interface RfmDeps {
  repositories: ResourceRepositories;
  registry: ResourceHandlerRegistry;
}

/** Builds the RFM deps from configuration (RFM_GIT_* variables by default). */
export function createRfmDeps(config: RfmConfig = loadRfmConfig()): RfmDeps {
  return { repositories: new ResourceRepositories(config), registry: resourceHandlers };
}
