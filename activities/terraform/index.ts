/** The Terraform wrapper's tasks, for the worker of the `orchestrator` task queue. */
import type { AnyTask } from '../task';
import type { TerraformDeps } from './deps';
import { renderConfiguration } from './render-configuration';

export { createTerraformDeps, type TerraformDeps } from './deps';
export { loadTerraformConfig, type TerraformConfig } from './config';

export const terraformTasks: readonly AnyTask<TerraformDeps>[] = [renderConfiguration];
