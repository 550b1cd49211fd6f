/**
 * A request as the request workflow sees it, and what it reports. Pure types shared by the API,
 * the request workflow and its activities (no Node imports).
 */
import type { Role } from './authority';
import { templateFor as resourceTemplate } from './resource';
import type { StepError, TemplateProgress } from './template';

/** The lifecycle of a request, as the ledger, the RequestStatus search attribute and the API show it. */
export const requestStatuses = ['received', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export const terminalStatuses: readonly RequestStatus[] = ['succeeded', 'failed', 'cancelled'];

/** One resource of a request, as validated by the API (its handler's input plus the action). */
export interface RequestedResource {
  type: string;
  action: 'create' | 'delete';
  name: string;
  /** The handler's input for a create; only `name` matters for a delete. */
  spec: Record<string, unknown>;
  /** Whether Terraform manages it (true) or AWX builds and removes it (false). */
  managed: boolean;
  /** For a create: the group whose members act on the resource as its owner. */
  group?: string;
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
  /** The request's status in the API, for the notices. */
  statusUrl: string;
  /** The request this one re-runs, if any. */
  rerunOf?: string;
  /** How many resources run at once. */
  concurrency?: number;
}

export type ResourceState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What became of one resource. */
export interface ResourceOutcome {
  name: string;
  type: string;
  action: 'create' | 'delete';
  template: string;
  workflowId: string;
  state: ResourceState;
  /** The template's output (VM ID, IP, commit …) when it succeeded. */
  output?: unknown;
  error?: StepError & { stepId?: string };
  /** What was undone after a failure. */
  compensated?: string[];
}

/** The request workflow's `status` query answer and its result. */
export interface RequestProgress {
  traceId: string;
  requestId: string;
  status: RequestStatus;
  resources: ResourceOutcome[];
}

/** Live detail of one resource: its outcome plus the template's own progress when it is running. */
export interface ResourceDetail extends ResourceOutcome {
  progress?: TemplateProgress;
}

/**
 * The template that builds or removes a resource, from the resource types' template table; a
 * type without templates gets a name no template has, so the request fails saying so.
 */
export function templateFor(resource: Pick<RequestedResource, 'type' | 'action' | 'managed'>): string {
  const action = resource.action === 'delete' ? 'remove' : 'create';
  return resourceTemplate(resource.type, resource.managed, action) ?? `${resource.type}-${resource.action}`;
}
