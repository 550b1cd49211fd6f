/** What the Ansible wrapper's tasks receive as `ctx.deps`: job template names and the handlers. */
import { resourceHandlers, type ResourceHandlerRegistry } from '../../resource-handlers';
import { loadAnsibleConfig, type AnsibleConfig } from './config';

export interface AnsibleDeps extends AnsibleConfig {
  registry: ResourceHandlerRegistry;
}

/** Builds the Ansible deps from configuration (ANSIBLE_* variables by default). */
export function createAnsibleDeps(config: AnsibleConfig = loadAnsibleConfig()): AnsibleDeps {
  return { ...config, registry: resourceHandlers };
}
