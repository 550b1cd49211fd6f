/** The Ansible wrapper's tasks, for the worker of the `orchestrator` task queue. */
import type { AnyTask } from '../task';
import type { AnsibleDeps } from './deps';
import { renderExtraVars } from './render-extra-vars';

export { createAnsibleDeps, type AnsibleDeps } from './deps';
export { loadAnsibleConfig, type AnsibleConfig } from './config';

export const ansibleTasks: readonly AnyTask<AnsibleDeps>[] = [renderExtraVars];
