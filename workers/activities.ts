/**
 * Which activities each task queue serves, derived from the table of systems
 * (`activities/registry.ts`): each system's dependencies are made once, its tasks become the
 * activities of its queue (or of every queue). One place decides it for the worker process and
 * the test harness alike.
 */
import { systems as allSystems } from '../activities/registry';
import {
  buildActivities,
  byTaskId,
  taskQueueOf,
  type AnySystem,
  type WorkerResources,
} from '../activities/task';
import { allTaskQueues, queuesServing, type TaskQueue } from '../common/task-queues';
import { endSystemVariables } from '../platform/end-systems';

export type { WorkerResources } from '../activities/task';

type ActivityMap = Record<string, (input: unknown) => Promise<unknown>>;

/** Every queue's activities, and how to close the clients and clones behind them. */
export interface WorkerActivities {
  byQueue: Record<TaskQueue, ActivityMap>;
  /** Closes the end-system connections and RFM's working clones; call after the workers stopped. */
  close(): Promise<void>;
}

/** Closes what the systems opened, each on its own: one that fails does not keep the others open. */
async function closeAll(built: { system: AnySystem; deps: unknown }[]): Promise<void> {
  await Promise.allSettled(built.map(async ({ system, deps }) => system.close?.(deps)));
}

/**
 * Builds every queue's activities from `systems`; an unconfigured end system is an error naming
 * its variable, and a task id declared twice is refused.
 */
export function queueActivities(
  resources: WorkerResources,
  systems: readonly AnySystem[] = allSystems,
): WorkerActivities {
  const missing = [...new Set(systems.flatMap((s) => (s.endSystem ? [s.endSystem] : [])))].filter(
    (name) => !resources.endSystems[name],
  );
  if (missing.length) {
    const named = missing.map((name) => `${name} (${endSystemVariables[name]})`);
    throw new Error(`end systems not configured: ${named.join(', ')}`);
  }
  byTaskId(systems.flatMap((s) => s.tasks));
  const byQueue = Object.fromEntries(allTaskQueues.map((queue) => [queue, {}])) as Record<
    TaskQueue,
    ActivityMap
  >;
  const built: { system: AnySystem; deps: unknown }[] = [];
  try {
    for (const system of systems) {
      const deps = system.createDeps(resources);
      built.push({ system, deps });
      const { taskQueue, waitQueue } = system;
      if (taskQueue === 'every') {
        const activities = buildActivities(system.tasks, deps);
        for (const queue of allTaskQueues) Object.assign(byQueue[queue], activities);
        continue;
      }
      for (const task of system.tasks) {
        const activities = buildActivities([task], deps);
        for (const queue of queuesServing(taskQueueOf({ taskQueue, waitQueue }, task)))
          Object.assign(byQueue[queue], activities);
      }
    }
    return { byQueue, close: () => closeAll(built) };
  } catch (err) {
    void closeAll(built);
    throw err;
  }
}
