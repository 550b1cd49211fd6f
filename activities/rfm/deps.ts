/** What the RFM tasks receive as `ctx.deps`: the repositories and the handlers that describe documents. */
import { resourceHandlers, type ResourceHandlerRegistry } from '../../resource-handlers';
import { loadRfmConfig, type RfmConfig } from './config';
import { GitProcess, type Repositories } from './git-process';

export interface RfmDeps {
  repositories: Repositories;
  registry: ResourceHandlerRegistry;
}

/** Builds the RFM deps from configuration (RFM_GIT_* variables by default); git runs in a process of its own. */
export function createRfmDeps(config: RfmConfig = loadRfmConfig()): RfmDeps {
  return { repositories: new GitProcess(config), registry: resourceHandlers };
}
