/**
 * Task queues: one for the workflows and the project's own activities, one per end system so
 * each system's load can be capped on its own (worker concurrency and rate limits per queue), and
 * one for each end system's long waits, so a wait never holds a slot its short calls need
 * (docs/waits.md).
 */
export const TaskQueues = {
  /** Request, template and wrapper workflows; git, ledger, email and lookup activities. */
  orchestrator: 'orchestrator',
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
