/**
 * The worker processes a launcher starts (`npm start`, the benchmark's stack): for each of
 * `WORKER_PROCESSES`, one process for the interactive lane and the end systems' queues, at the
 * background priority (`STACK_BACKGROUND_NICE`, 10, below the API's), and one for the bulk lane,
 * at the lowest (`STACK_BULK_NICE`, 19). Apart, a requester's burst in the bulk lane has a main
 * thread, a workflow thread and a CPU priority of its own, and takes only the CPU the interactive
 * lane leaves: the storm's probe went from 4–5× its idle time to 1.8–2.4× (docs/waits.md, "Two
 * lanes", with what it costs one requester's stream when it has the machine to itself).
 */
import { allTaskQueues, TaskQueues, type TaskQueue } from '../common/task-queues';
import { backgroundNiceness, bulkNiceness } from './processes';

export interface WorkerProcessShape {
  /** Its name among the launcher's children: `worker`, `worker-bulk`, `worker-2`, `worker-2-bulk`. */
  name: string;
  /** `WORKER_TASK_QUEUES`. */
  taskQueues: readonly TaskQueue[];
  niceness: number;
}

/** The processes of one worker named `name` (`worker`, `worker-2`): its main one, then its bulk lane's. */
export function workerProcessShapes(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): WorkerProcessShape[] {
  return [
    {
      name,
      taskQueues: allTaskQueues.filter((q) => q !== TaskQueues.orchestratorBulk),
      niceness: backgroundNiceness(env),
    },
    { name: `${name}-bulk`, taskQueues: [TaskQueues.orchestratorBulk], niceness: bulkNiceness(env) },
  ];
}
