/**
 * How the Terraform wrapper renders a VM's workspace, parsed by zod at start-up. A real vSphere
 * builds a VM by cloning the image's template with guest customization (hostname, static
 * address), and the lab simulator clones the same way, so cloning is on unless turned off.
 */
import { z } from 'zod';
import { parseConfig } from '../../platform/parse-config';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  /** Prefix of the per-VM TFE workspace name: `<prefix><vm name>`. */
  TERRAFORM_WORKSPACE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, - and _')
    .default('vm-'),
  TERRAFORM_VSPHERE_PROVIDER_VERSION: z.string().min(1).default('~> 2.6'),
  /** Clone the OS image's vCenter template and customize the guest (real vSphere). */
  TERRAFORM_CLONE_FROM_TEMPLATE: flag.default(true),
});

export interface TerraformConfig {
  workspacePrefix: string;
  vsphereProviderVersion: string;
  cloneFromTemplate: boolean;
}

/** Reads the Terraform wrapper's settings from the environment. */
export function loadTerraformConfig(env: NodeJS.ProcessEnv = process.env): TerraformConfig {
  const e = parseConfig(envSchema, env, 'Terraform configuration');
  return {
    workspacePrefix: e.TERRAFORM_WORKSPACE_PREFIX,
    vsphereProviderVersion: e.TERRAFORM_VSPHERE_PROVIDER_VERSION,
    cloneFromTemplate: e.TERRAFORM_CLONE_FROM_TEMPLATE,
  };
}
