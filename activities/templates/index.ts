/** Templates: plans compiled from the worker's checked library and pinned by digest, on the `orchestrator` task queue. */
import { defineSystem, type TaskActivities } from '../task';
import type { RequestPlanner } from '../../api/plan/planner';
import type { TemplateDeps } from './deps';
import { pinPlan, readPlan } from './pin-plan';
import { replan } from './replan';
import { resolvePlan } from './resolve-plan';

export type { TemplateDeps } from './deps';
export type TemplateActivities = TaskActivities<
  typeof resolvePlan | typeof pinPlan | typeof readPlan | typeof replan
>;

/** The planner's module, loaded at its first use: it reaches the registry that lists these tasks. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plannerModule = () => require('../../api/plan/planner') as typeof import('../../api/plan/planner');

export const templatesSystem = defineSystem({
  name: 'templates',
  taskQueue: 'orchestrator',
  tasks: [resolvePlan, pinPlan, readPlan, replan],
  createDeps: ({ library, pool, rfm }): TemplateDeps => {
    let planner: RequestPlanner | undefined;
    return {
      library,
      pool,
      planner: () => {
        // Its own clones, apart from the API's on the same machine.
        planner ??= plannerModule().createRequestPlanner({
          pool,
          library,
          rfm: { ...rfm, workDir: `${rfm.workDir}-replan` },
        });
        return Promise.resolve(planner);
      },
      hashedForm: (resources) => plannerModule().hashedForm(resources),
      closePlanner: async () => planner?.close(),
    };
  },
  close: (deps) => deps.closePlanner(),
});
