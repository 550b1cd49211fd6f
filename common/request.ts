/**
 * A request as the request workflow sees it, and what it reports. Pure types shared by the API,
 * the request workflow and its activities (no Node imports).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Role } from './authority';
import { templateFor as resourceTemplate, type ResourceActionName } from './resource';
import type {
  PauseInfo,
  ResumeAction,
  ResumeRecord,
  StepError,
  StepProgress,
  TemplatePlan,
  TemplateProgress,
} from './template';

/** The lifecycle of a request, as the ledger, the RequestStatus search attribute and the API show it. */
export const requestStatuses = [
  'received',
  'running',
  'paused',
  'cancelling',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export const terminalStatuses: readonly RequestStatus[] = ['succeeded', 'failed', 'cancelled'];

/** One resource of a request, as validated by the API (its handler's input plus the action). */
export interface RequestedResource {
  type: string;
  /**
   * A day-2 change is `update` or `power`; `lease`: a lease change beyond the maximum, waiting for
   * an approval (the API starts it).
   */
  action: ResourceActionName | 'lease';
  name: string;
  /**
   * The handler's input for a create; for a change (`update`, `power`) the change as the user
   * wrote it (`cpu`, `memoryGb`, `disks`; `power`); only `name` matters for a delete; a
   * LeaseRequestSpec for a lease.
   */
  spec: Record<string, unknown>;
  /** Whether Terraform manages it (true) or AWX builds and removes it (false). */
  managed: boolean;
  /** For a create: the group whose members act on the resource as its owner. */
  group?: string;
  /**
   * The resources of the same request it is built (or removed) after: those its `dependsOn`
   * names and those its fields refer to (a VM's network created by the request).
   */
  dependsOn?: ResourceKey[];
}

/** A resource by type and name, which together name it. */
export interface ResourceKey {
  type: string;
  name: string;
}

/** The request workflow's argument: everything it needs, nothing secret. */
export interface RequestWorkflowInput {
  traceId: string;
  requestId: string;
  requester: string;
  /** The requester's role and groups when the request was made: what the preparation authorizes with. */
  requesterRole: Role;
  requesterGroups: string[];
  resources: RequestedResource[];
  /** Email addresses told when the request is received and when it ends. */
  notify: string[];
  /** Where the submitted request file can be fetched (the File Store). */
  fileUrl: string;
  /** The request's status in the API, for the notices; its portal pages live under the same public URL. */
  statusUrl: string;
  /** The request workflow's page in the Temporal Web UI, for the engineers' part of the notices. */
  temporalUrl?: string;
  /** The request this one re-runs, if any. */
  rerunOf?: string;
  /** How many resources run at once. */
  concurrency?: number;
  /** What a template step failure does: undo at once (the default) or pause for a decision. */
  onFailure?: OnFailure;
  /** How long a paused resource waits for a decision before it is aborted (a Temporal duration, e.g. `24 hours`). */
  pauseTimeout?: string;
  /** The hash of the plan the request was submitted with (docs/plan-preview.md): what its approvals approve. */
  planHash?: string;
  /** The digest of each template in that plan, by name: a template edited since does not run. */
  templateDigests?: Record<string, string>;
  /**
   * The submission named `planHash` itself (it was bound to a plan the requester saw): a plan
   * changed before the run then waits for a decision even when no approval step needs one.
   */
  planBound?: boolean;
  /**
   * The most resources one workflow builds: a request of more hands them to batch workflows of at
   * most this many, one batch after another, so that no history grows with the request's size.
   * Defaults to `DEFAULT_BATCH_SIZE`.
   */
  batchSize?: number;
  /**
   * How many of the requester's requests may work at once (admission per requester, docs/waits.md);
   * past that, this one waits its turn before it starts. Defaults to `DEFAULT_RUNNING_PER_REQUESTER`.
   */
  runningPerRequester?: number;
}

/** The request's decision step when its plan changed before it ran (docs/plan-preview.md). */
export const PLAN_APPROVAL_STEP = 'plan';

/**
 * A plan that changed between the submission and the run (a template edited since): the request
 * waits for a decision on the new plan before it prepares or builds anything, and runs only it.
 */
export interface PlanApproval {
  /** The new plan: what a decision must be on, and what the request runs once approved. */
  planHash: string;
  /** The plan the request was submitted (bound) with. */
  previousPlanHash: string;
  /** What changed, as a 409 PlanChanged names it: `plan.resources.0.template.digest`, was …, now …. */
  changes: { path: string; message: string }[];
  /** The groups of the new plan's approval steps (that are or may be needed): they may decide too. */
  groups: string[];
  /**
   * Whether the request waits for a decision: the submission was bound to the plan it changed
   * from. One bound to none runs the new plan, its approval steps asking on it as on any plan.
   */
  asked: boolean;
  /** Set when asked: the requester, who may decide (as may `groups` and admins). */
  requester?: string;
  since: string;
  deadline: string;
  /** While it waits for a decision. */
  waiting: boolean;
  /** The decision taken (absent while waiting, or when it timed out). */
  decision?: { decision: 'approve' | 'reject'; by: string; at: string; asAdmin?: boolean; comment?: string };
}

/** Resources a request builds itself, or hands to each of its batch workflows when it has more. */
export const DEFAULT_BATCH_SIZE = 100;

/** What a batch workflow builds of its request: a request input holding only the batch's resources, and this. */
export interface ResourceBatch {
  /** Counts from 1 in the order the batches run. */
  number: number;
  /** The request workflow: its ID names the resources' template workflows, and it hears the batch's reports. */
  requestWorkflowId: string;
  /** The position in the request of each of the batch's resources, in the batch's order. */
  positions: number[];
  /** The plan of each template the batch runs, resolved and pinned once by the request. */
  plans: Record<string, { digest: string; plan: TemplatePlan }>;
  /**
   * Resources of earlier batches that a resource of this one depends on and that did not succeed:
   * the resource at `position` is not started because of the one described.
   */
  blockers: { position: number; blocker: Pick<ResourceOutcome, 'type' | 'name' | 'state'> }[];
}

/** A batch workflow's argument. */
export type ResourceBatchInput = RequestWorkflowInput & { batch: ResourceBatch };

/** What of a resource's outcome changes as it is built: all but its names and its steps. */
export type OutcomeChange = Omit<
  ResourceOutcome,
  'name' | 'type' | 'action' | 'template' | 'workflowId' | 'progress'
>;

/**
 * What a batch tells its request while it runs: the outcomes that changed, by position, without
 * what the request knows already (names) or keeps out of its history (steps).
 */
export interface BatchReport {
  outcomes: { position: number; outcome: OutcomeChange }[];
}

/** What a failed template step does to its request: `compensate` undoes at once, `pause` waits for a `resume`. */
export const onFailureModes = ['compensate', 'pause'] as const;
export type OnFailure = (typeof onFailureModes)[number];

/**
 * How many of one requester's requests work at once when nobody configured it: enough for a
 * person's orders to run side by side, few enough that one requester's burst of a hundred leaves
 * the machine to everyone else's (docs/waits.md, "Admission per requester").
 */
export const DEFAULT_RUNNING_PER_REQUESTER = 10;

/** How long a pause waits for a decision when nobody configured it. */
export const DEFAULT_PAUSE_TIMEOUT = '24 hours';

/** The `resume` update's argument; `by` is filled by the API from the caller (the CLI may name itself). */
export interface ResumeDecision {
  action: ResumeAction;
  by?: string;
}

/** The `resume` update's answer: the decision as recorded and the resources it resumed. */
export interface ResumeAnswer extends ResumeRecord {
  resources: string[];
}

/** The failure type of a request that failed; its details carry the RequestProgress the API shows. */
export const REQUEST_FAILED = 'RequestFailed';

/**
 * The outcome a failed request workflow carries (`WorkflowFailedError` from a client's `result()`,
 * whose cause is the RequestFailed failure); undefined for any other error.
 */
export function failedRequestOutcome(err: unknown): RequestProgress | undefined {
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause instanceof ApplicationFailure && cause.type === REQUEST_FAILED)
    return cause.details?.[0] as RequestProgress | undefined;
  return undefined;
}

/** A request workflow's outcome, whether it completed or failed: what `result()` gives, or the failure's. */
export async function requestOutcome(result: Promise<unknown>): Promise<RequestProgress> {
  try {
    return (await result) as RequestProgress;
  } catch (err) {
    const outcome = failedRequestOutcome(err);
    if (outcome) return outcome;
    throw err;
  }
}

/** A resource's state in its request; `skipped`: never started, because one it depends on failed (its error says which). */
export type ResourceState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** What became of one resource. */
export interface ResourceOutcome {
  name: string;
  type: string;
  action: RequestedResource['action'];
  template: string;
  workflowId: string;
  state: ResourceState;
  /** The template's output (VM ID, IP, commit …) when it succeeded. */
  output?: unknown;
  error?: StepError & { stepId?: string };
  /** What was undone after a failure. */
  compensated?: string[];
  /** For a removal that succeeded: the git commit that recorded it. */
  removalCommit?: string | null;
  /** Set while its template waits at a failed step for a `resume` decision. */
  paused?: PauseInfo;
  /** Every `resume` decision taken for it: who, when, what. */
  resumes?: ResumeRecord[];
  /**
   * Its template's steps as the template last reported them (state, attempts, times, errors,
   * external IDs, approvals), kept in the outcome so the story outlives the workflow.
   */
  progress?: TemplateProgress;
}

/** The request workflow's `status` query answer and its result. */
export interface RequestProgress {
  traceId: string;
  requestId: string;
  status: RequestStatus;
  resources: ResourceOutcome[];
  /** Each change of its plan found before it ran, and the decision on it, in order. */
  planApprovals?: PlanApproval[];
  /** While it waits for its turn (admission per requester): what it waits behind. */
  queued?: QueuedInfo;
}

/** A request waiting for one of its requester's places (docs/waits.md, "Admission per requester"). */
export interface QueuedInfo {
  since: string;
  /** The requester's requests queued before it. */
  ahead: number;
  /** The requester's requests working now, and how many may. */
  running: number;
  limit: number;
}

/**
 * One change in a request's story, as the event stream (`GET /v1/requests/{id}/events`) sends
 * it: `seq` counts from 1 in the order the request workflow saw the changes, so it is the same
 * for every reader and every reconnect. `outcome` is the last one.
 */
export type RequestEvent = { seq: number; at: string } & (
  | { type: 'status'; data: { status: RequestStatus } }
  | { type: 'step'; data: { resource: string; workflowId: string; step: StepProgress } }
  | { type: 'resource'; data: Omit<ResourceOutcome, 'progress'> }
  | { type: 'outcome'; data: RequestProgress }
  | { type: 'plan'; data: PlanApproval }
);
export type RequestEventType = RequestEvent['type'];

/** The spec of a `lease` action: the lease end asked for, and who must approve it by when. */
export interface LeaseRequestSpec {
  name: string;
  leaseEnd: string;
  approvalGroups: string[];
  approvalTimeout: string;
}

/** The template a `lease` action runs, whatever the resource's type: an approval, then the change. */
export const LEASE_TEMPLATE = 'resource-lease';

/**
 * The template that builds, removes or changes a resource, from the resource types' template table; a
 * type without templates gets a name no template has, so the request fails saying so.
 */
export function templateFor(resource: Pick<RequestedResource, 'type' | 'action' | 'managed'>): string {
  if (resource.action === 'lease') return LEASE_TEMPLATE;
  const action = resource.action === 'delete' ? 'remove' : resource.action;
  return resourceTemplate(resource.type, resource.managed, action) ?? `${resource.type}-${resource.action}`;
}
