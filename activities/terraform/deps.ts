/** What the Terraform wrapper's tasks receive as `ctx.deps`: rendering settings and the handlers. */
import { resourceHandlers, type ResourceHandlerRegistry } from '../../resource-handlers';
import { loadTerraformConfig, type TerraformConfig } from './config';

export interface TerraformDeps extends TerraformConfig {
  registry: ResourceHandlerRegistry;
}

/** Builds the Terraform deps from configuration (TERRAFORM_* variables by default). */
export function createTerraformDeps(config: TerraformConfig = loadTerraformConfig()): TerraformDeps {
  return { ...config, registry: resourceHandlers };
}
