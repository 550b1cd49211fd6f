/** The Ansible wrapper: renders a resource's AWX extra vars on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createAnsibleDeps } from './deps';
import { renderExtraVars } from './render-extra-vars';

export { createAnsibleDeps, type AnsibleDeps } from './deps';
export { loadAnsibleConfig, type AnsibleConfig } from './config';

export const ansibleSystem = defineSystem({
  name: 'ansible',
  taskQueue: 'orchestrator',
  tasks: [renderExtraVars],
  createDeps: () => createAnsibleDeps(),
});
