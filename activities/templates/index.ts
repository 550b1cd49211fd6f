/** Templates: plans compiled from the worker's checked library, on the `orchestrator` task queue. */
import { defineSystem, type TaskActivities } from '../task';
import type { TemplateDeps } from './deps';
import { resolvePlan } from './resolve-plan';

export type { TemplateDeps } from './deps';
export type TemplateActivities = TaskActivities<typeof resolvePlan>;

export const templatesSystem = defineSystem({
  name: 'templates',
  taskQueue: 'orchestrator',
  tasks: [resolvePlan],
  createDeps: ({ library }): TemplateDeps => ({ library }),
});
