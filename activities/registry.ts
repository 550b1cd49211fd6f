/**
 * The task catalog: every task a template may call, by id. Templates are checked against it when
 * the library loads, and plans carry the metadata of the tasks they use (queue, timeouts, retry),
 * never their handlers. Each end system exports its declarations as one list
 * (`activities/<system>/index.ts`); `registeredTasks` gathers those lists.
 */
import type { TaskCatalog } from '../common/template-check';
import type { TaskMeta } from '../common/tasks';
import { aciTasks } from './aci';
import { ansibleTasks } from './ansible';
import { awxTasks } from './awx';
import { emailTasks } from './email';
import { ipamTasks } from './ipam';
import { ledgerTasks } from './ledger';
import { resourceTasks } from './resources';
import { rfmTasks } from './rfm';
import { templateTasks } from './templates';
import { terraformTasks } from './terraform';
import { tfeTasks } from './tfe';
import { vcenterTasks } from './vcenter';

/** Thrown when two declarations share an id: the activity type would be ambiguous. */
export class DuplicateTaskError extends Error {}

/** Builds a catalog from task declarations (or bare metadata in tests); refuses duplicate ids. */
export function createTaskCatalog(tasks: readonly TaskMeta[]): TaskCatalog {
  const catalog = new Map<string, TaskMeta>();
  for (const task of tasks) {
    if (catalog.has(task.id)) throw new DuplicateTaskError(`task ${task.id} is declared twice`);
    const { id, description, taskQueue, timeouts, retry } = task;
    catalog.set(
      id,
      retry ? { id, description, taskQueue, timeouts, retry } : { id, description, taskQueue, timeouts },
    );
  }
  return catalog;
}

/** Every task of the project: the end systems', email, and the orchestrator's own. */
export const registeredTasks: readonly TaskMeta[] = [
  ...awxTasks,
  ...tfeTasks,
  ...vcenterTasks,
  ...aciTasks,
  ...emailTasks,
  ...resourceTasks,
  ...ipamTasks,
  ...rfmTasks,
  ...ansibleTasks,
  ...terraformTasks,
  ...ledgerTasks,
  ...templateTasks,
];

/** The catalog the worker and scripts/validate-templates.ts check templates against. */
export const taskCatalog: TaskCatalog = createTaskCatalog(registeredTasks);
