/**
 * Task queues: two for the workflows and the project's own activities (its lanes, below), one per
 * end system so each system's load can be capped on its own (worker concurrency and rate limits
 * per queue), and one for each end system's long waits, so a wait never holds a slot its short
 * calls need (docs/waits.md).
 */
export const TaskQueues = {
  /**
   * The interactive lane: request, template and wrapper workflows; git, ledger, email and lookup
   * activities.
   */
  orchestrator: 'orchestrator',
  /**
   * The bulk lane: the same workflows and activities, for the requests of a requester who already
   * had several unfinished when they asked (`REQUEST_BULK_AFTER`), served by a worker of its own so
   * that one requester's burst never queues in front of everyone else's next request
   * (docs/waits.md, "Two lanes").
   */
  orchestratorBulk: 'orchestrator-bulk',
  awx: 'awx',
  tfe: 'tfe',
  vcenter: 'vcenter',
  aci: 'aci',
  /** `awx:wait-job`: waits for AWX jobs, apart from the AWX calls. */
  awxWaits: 'awx-waits',
  /** `tfe:wait-run`: waits for TFE runs, apart from the TFE calls. */
  tfeWaits: 'tfe-waits',
} as const;

export type TaskQueue = (typeof TaskQueues)[keyof typeof TaskQueues];

export const allTaskQueues: readonly TaskQueue[] = Object.values(TaskQueues);

/**
 * The lanes: the queues whose workers run workflows, each with the orchestrator's own activities.
 * A request's workflows, its children and its own activities all stay in the lane it started in.
 */
export const workflowQueues: readonly TaskQueue[] = [TaskQueues.orchestrator, TaskQueues.orchestratorBulk];

export const isWorkflowQueue = (queue: string): boolean =>
  (workflowQueues as readonly string[]).includes(queue);

/**
 * The queues that serve a task declared on `queue`: the orchestrator's own tasks are served in both
 * lanes, every other queue alone.
 */
export const queuesServing = (queue: TaskQueue): readonly TaskQueue[] =>
  queue === TaskQueues.orchestrator ? workflowQueues : [queue];

/**
 * How many of a requester's requests may be received or running before their next one starts in
 * the bulk lane (`REQUEST_BULK_AFTER`): one, so a requester's second request in flight and after
 * go bulk. The bulk lane is slower only while others' requests want the CPU, and then the
 * precedence goes to whoever has nothing else in flight. With 3, the first three of a burst shared
 * the interactive lane with everyone's next request, and the storm's probe took 3.1–4.0× its idle
 * time instead of 1.8–2.4× (docs/waits.md, "Two lanes").
 */
export const DEFAULT_BULK_AFTER = 1;
