/**
 * The table of systems, and the task catalog derived from it. Each system declares in its own
 * folder (`activities/<system>/index.ts`) its tasks, their task queue and how their dependencies
 * are made and closed; this table lists the systems once. The catalog is what templates are
 * checked against when the library loads: plans carry the metadata of the tasks they use (queue,
 * timeouts, retry), never their handlers. The worker builds its activities from the same table
 * (`workers/activities.ts`).
 */
import type { TaskCatalog } from '../common/template-check';
import type { TaskMeta } from '../common/tasks';
import { aciSystem } from './aci';
import { ansibleSystem } from './ansible';
import { awxSystem } from './awx';
import { emailSystem } from './email';
import { ipamSystem } from './ipam';
import { ledgerSystem } from './ledger';
import { resourcesSystem } from './resources';
import { rfmSystem } from './rfm';
import { pingSystem } from './system';
import { byTaskId, type AnySystem, type AnyTask, type SystemDefinition, taskQueueOf } from './task';
import { templatesSystem } from './templates';
import { terraformSystem } from './terraform';
import { tfeSystem } from './tfe';
import { vcenterSystem } from './vcenter';

/** Every system of the project: the end systems', email, the orchestrator's own, the health ping. */
export const systems: readonly AnySystem[] = [
  awxSystem,
  tfeSystem,
  vcenterSystem,
  aciSystem,
  emailSystem,
  resourcesSystem,
  ipamSystem,
  rfmSystem,
  ansibleSystem,
  terraformSystem,
  ledgerSystem,
  templatesSystem,
  pingSystem,
];

/** Builds a catalog from task metadata; refuses duplicate ids. */
export function createTaskCatalog(tasks: readonly TaskMeta[]): TaskCatalog {
  const catalog = new Map<string, TaskMeta>();
  for (const [id, { description, taskQueue, timeouts, retry, local }] of byTaskId(tasks)) {
    catalog.set(id, {
      id,
      description,
      taskQueue,
      timeouts,
      ...(retry ? { retry } : {}),
      ...(local ? { local } : {}),
    });
  }
  return catalog;
}

/** A system's tasks with their queue: what templates may call. A ping on every queue is not one. */
export function systemTaskMetas<Deps>(
  system: Pick<SystemDefinition<Deps>, 'taskQueue' | 'waitQueue' | 'tasks'>,
): (AnyTask<Deps> & TaskMeta)[] {
  const { taskQueue, waitQueue } = system;
  if (taskQueue === 'every') return [];
  return system.tasks.map((task) => ({ ...task, taskQueue: taskQueueOf({ taskQueue, waitQueue }, task) }));
}

/** Every task templates may call, declarations included (their zod schemas, examples). */
export const registeredTasks: readonly (AnyTask<unknown> & TaskMeta)[] = systems.flatMap(systemTaskMetas);

/** The catalog the worker and scripts/validate-templates.ts check templates against. */
export const taskCatalog: TaskCatalog = createTaskCatalog(registeredTasks);
