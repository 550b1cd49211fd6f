/** Templates: plans compiled from the worker's checked library and pinned by digest, on the `orchestrator` task queue. */
import { defineSystem, type TaskActivities } from '../task';
import type { TemplateDeps } from './deps';
import { pinPlan, readPlan } from './pin-plan';
import { resolvePlan } from './resolve-plan';

export type { TemplateDeps } from './deps';
export type TemplateActivities = TaskActivities<typeof resolvePlan | typeof pinPlan | typeof readPlan>;

export const templatesSystem = defineSystem({
  name: 'templates',
  taskQueue: 'orchestrator',
  tasks: [resolvePlan, pinPlan, readPlan],
  createDeps: ({ library, pool }): TemplateDeps => ({ library, pool }),
});
