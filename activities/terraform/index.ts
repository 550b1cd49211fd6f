/** The Terraform wrapper: renders a resource's configuration on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createTerraformDeps } from './deps';
import { renderConfiguration } from './render-configuration';

export { createTerraformDeps, type TerraformDeps } from './deps';
export { loadTerraformConfig, type TerraformConfig } from './config';

export const terraformSystem = defineSystem({
  name: 'terraform',
  taskQueue: 'orchestrator',
  tasks: [renderConfiguration],
  createDeps: () => createTerraformDeps(),
});
