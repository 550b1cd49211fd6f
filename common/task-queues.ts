/**
 * Task queues: one for the workflows and the project's own activities, one per end system so
 * each system's load can be capped on its own (worker concurrency and rate limits per queue).
 */
export const TaskQueues = {
  /** Request, template and wrapper workflows; git, ledger, email and lookup activities. */
  orchestrator: 'orchestrator',
  awx: 'awx',
  tfe: 'tfe',
  vcenter: 'vcenter',
  aci: 'aci',
} as const;

export type TaskQueue = (typeof TaskQueues)[keyof typeof TaskQueues];

export const allTaskQueues: readonly TaskQueue[] = Object.values(TaskQueues);
