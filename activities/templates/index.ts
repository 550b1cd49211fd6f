/** Templates: plans compiled from the worker's checked library, on the `orchestrator` task queue. */
import { defineSystem, type TaskActivities } from '../task';
import type { RequestPlanner } from '../../api/plan/planner';
import type { TemplateDeps } from './deps';
import { replan } from './replan';
import { resolvePlan } from './resolve-plan';

export type { TemplateDeps } from './deps';
export type TemplateActivities = TaskActivities<typeof resolvePlan | typeof replan>;

export const templatesSystem = defineSystem({
  name: 'templates',
  taskQueue: 'orchestrator',
  tasks: [resolvePlan, replan],
  createDeps: ({ library, pool, rfm }): TemplateDeps => {
    let planner: Promise<RequestPlanner> | undefined;
    return {
      library,
      pool,
      // Loaded at its first use, not imported: the planner reaches the registry that lists these tasks.
      planner: () =>
        (planner ??= import('../../api/plan/planner').then(({ createRequestPlanner }) =>
          // Its own clones, apart from the API's on the same machine.
          createRequestPlanner({ pool, library, rfm: { ...rfm, workDir: `${rfm.workDir}-replan` } }),
        )),
      closePlanner: async () => (await planner)?.close(),
    };
  },
  close: (deps) => deps.closePlanner(),
});
