/**
 * A resource's life, as its resource workflow (workflows/resource.ts), the inventory and the API
 * share it. Pure (no Node imports). docs/lifecycle.md tells the same story for people.
 */

/**
 * `building` while its creating request runs; `active` once built; `changing` while a request
 * acts on it; `expiring` once its lease ended and its decommission waits its turn; `removing`
 * while a request removes it; `removed` once gone (its name free again); `failed` when a removal
 * failed half-way and someone must look.
 */
export const resourceStates = [
  'building',
  'active',
  'changing',
  'expiring',
  'removing',
  'removed',
  'failed',
] as const;
export type ResourceState = (typeof resourceStates)[number];

/** The states in which a request may act on a resource (the others are busy, or it is gone). */
export const actionableStates: readonly ResourceState[] = ['active', 'failed'];

/** The states in which a day-2 change may act on a resource: built, whole, and not acted on. */
export const changeableStates: readonly ResourceState[] = ['active'];

/** Why a resource cannot be acted on now, by its state. */
export function busyMessage(r: {
  type: string;
  name: string;
  state: string;
  createdByRequest: string;
}): string {
  return r.state === 'building'
    ? `the ${r.type} ${r.name} is still being built by request ${r.createdByRequest}`
    : `the ${r.type} ${r.name} is ${r.state}: wait until it is active again`;
}

/** The states in which a resource's lease may still be changed: before its removal starts. */
export const leaseChangeableStates: readonly ResourceState[] = ['active', 'changing', 'expiring', 'failed'];

/** The workflow ID of a resource's workflow: in the trace of the request that created it. */
export function resourceWorkflowId(traceId: string, type: string, name: string): string {
  return `${traceId}/resource/${type}/${name}`;
}

/** Reminder offsets before a lease ends when no admin set them: 7 days and 1 day. */
export const DEFAULT_LEASE_REMINDERS: readonly string[] = ['7 days', '1 day'];

/** How long an ended lease waits (`expiring`, still extendable) before its removal starts, when no admin set it. */
export const DEFAULT_LEASE_GRACE = '1 hour';

/** How long a lease change beyond the maximum waits for its approval, when no admin set it. */
export const DEFAULT_LEASE_APPROVAL_TIMEOUT = '7 days';

/** The lease settings a resource workflow reads (`resources:read-lease-settings`), in milliseconds. */
export interface LeaseSettings {
  /** Before the end, longest first; `label` as the admin wrote it (`7 days`). */
  reminders: { label: string; ms: number }[];
  graceMs: number;
}

/** What a resource workflow starts (and continues as new) with. */
export interface ResourceWorkflowInput {
  type: string;
  name: string;
  /** The trace of the request that created it: every request it starts is a new request ID in it. */
  traceId: string;
  /** The request that created it. */
  requestId: string;
  requester: string;
  managed: boolean;
  /** Who hears of its lease: the creating request's notify list. */
  notify: string[];
  /** The API's `/v1` base URL, for the links in notices and the requests it starts. */
  apiUrl: string;
  /** ISO 8601; absent or null: it never expires. */
  leaseEnd?: string | null;
  /** Carried over a continue-as-new. */
  carried?: ResourceCarried;
  /** Continue as new after this many history events (tests set it low). */
  historyLimit?: number;
}

/** What a continue-as-new hands to the next run. */
export interface ResourceCarried {
  state: ResourceState;
  /** The reminders already sent for the current lease end, by offset. */
  remindersSent: string[];
  queue: ResourceAction[];
  /** The lease events so far (set, changed, expired), newest last, at most a few kept. */
  events: LeaseEvent[];
}

/** A request's turn on the resource, queued in the order received. */
export interface ResourceAction {
  requestId: string;
  /** The request workflow to tell when its turn comes. */
  workflowId: string;
  action: string;
}

/** What happened to a lease, as the resource workflow's `lifecycle` query shows it. */
export interface LeaseEvent {
  at: string;
  kind: 'set' | 'changed' | 'reminded' | 'expired' | 'decommissioned' | 'decommission-failed';
  leaseEnd: string | null;
  by?: string;
  requestId?: string;
}

/** The `lifecycle` query's answer. */
export interface ResourceLifecycle {
  type: string;
  name: string;
  state: ResourceState;
  leaseEnd: string | null;
  remindersSent: string[];
  queue: ResourceAction[];
  current?: ResourceAction;
  events: LeaseEvent[];
}

/** The `changeLease` update's argument; `by` names who asked. */
export interface LeaseChange {
  leaseEnd: string | null;
  by: string;
}

/** A request's end, as its request workflow tells the resource's workflow. */
export interface ActionFinished {
  requestId: string;
  action: string;
  succeeded: boolean;
}
