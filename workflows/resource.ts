/**
 * `resourceWorkflow`: one per resource, from the moment its create succeeded until it is removed.
 * It owns the resource's life (docs/lifecycle.md):
 *
 * - its state in the inventory (`resources:record-state`);
 * - its lease: reminders before the end (admin settings, default 7 days and 1 day), then
 *   `expiring` for a grace period in which the lease may still be extended, then a decommission
 *   request (a new request ID in the resource's trace, started as a child) that removes it the way
 *   it was built, frees its address and commits the removal. `changeLease` moves the timer at once;
 *   a lease that ended while no worker ran is acted on, once, when one comes back (Temporal timers
 *   fire late, never twice);
 * - the queue of actions on it: a request that acts on the resource asks for its turn
 *   (`requestTurn`), is told when it comes (`turnGranted`) and says when it is done
 *   (`actionFinished`), so actions run one at a time in the order received.
 *
 * Its ID is `<traceId>/resource/<type>/<name>` in the trace of the request that created it, and it
 * carries that trace's search attributes, so `TraceId='…'` finds it with every request it started.
 * It continues as new, carrying its state, before its history grows large.
 */
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { ulid } from 'ulid';
import type { readLeaseSettings } from '../activities/resources/read-lease-settings';
import type { recordResourceState } from '../activities/resources/record-state';
import type { TaskActivities } from '../activities/task';
import { requestIdFrom, requestWorkflowId } from '../common/ids';
import {
  leaseChangeableStates,
  type LeaseEvent,
  type LeaseSettings,
  type ResourceAction,
  type ResourceLifecycle,
  type ResourceState,
  type ResourceWorkflowInput,
  type ActionFinished,
} from '../common/lifecycle';
import { leaseEndedNotice, leaseReminderNotice } from '../common/notices';
import { requestOutcome, type RequestWorkflowInput } from '../common/request';
import { traceSearchAttributes } from '../common/search-attributes';
import { timeoutProfiles } from '../common/tasks';
import {
  actionFinishedSignal,
  changeLeaseUpdate,
  lifecycleQuery,
  requestTurnSignal,
  turnGrantedSignal,
} from './definitions';
import { describeError } from './interpreter/errors';
import { tell } from './notify';
import { requestWorkflow } from './request';

// Activities, not local ones: the resource workflow's update handlers record its state beside its
// main loop, and local activities in flight at once are not always replayed as they ran.
const { 'resources:record-state': recordState, 'resources:read-lease-settings': readSettings } =
  proxyActivities<TaskActivities<typeof recordResourceState | typeof readLeaseSettings>>({
    ...timeoutProfiles.short,
    retry: { maximumInterval: '30 seconds' },
  });

/** Continue as new past this many history events when the input does not say. */
export const DEFAULT_HISTORY_LIMIT = 2000;

/** The lease events a run keeps (and carries over): the newest. */
const KEPT_EVENTS = 20;

/** The action a resource workflow queues for its own lease's end. */
const DECOMMISSION = 'decommission';

export async function resourceWorkflow(input: ResourceWorkflowInput): Promise<ResourceLifecycle> {
  const { type, name, traceId } = input;
  const workflowId = workflowInfo().workflowId;
  let state: ResourceState = input.carried?.state ?? 'active';
  let leaseEnd: string | null = input.leaseEnd ?? null;
  let remindersSent: string[] = input.carried?.remindersSent ?? [];
  const queue: ResourceAction[] = [...(input.carried?.queue ?? [])];
  const events: LeaseEvent[] = [...(input.carried?.events ?? [])];
  let current: ResourceAction | undefined;
  let finished: ActionFinished | undefined;
  /** Set by a lease change: the main loop recomputes its timer. */
  let woken = false;
  /** Set once the lease it started with is recorded: a change waits for it, so it lands after. */
  let started = input.carried !== undefined;
  let settings: LeaseSettings | undefined = undefined;

  const now = () => new Date(Date.now()).toISOString();
  const note = (event: Omit<LeaseEvent, 'at'>) => {
    events.push({ at: now(), ...event });
    events.splice(0, Math.max(0, events.length - KEPT_EVENTS));
  };
  const view = (): ResourceLifecycle => ({
    type,
    name,
    state,
    leaseEnd,
    remindersSent,
    queue: [...queue],
    ...(current ? { current } : {}),
    events,
  });
  const record = (next: ResourceState, lease?: { leaseEnd: string | null }) =>
    recordState({ resourceType: type, name, traceId, state: next, ...(lease ?? {}), workflowId });
  const resourceUrl = `${input.apiUrl}/resources/${type}/${name}`;

  /** Marks as sent the reminders whose time passed before this lease was set: never sent late. */
  const skipPastReminders = () => {
    if (!leaseEnd || !settings) return;
    const end = Date.parse(leaseEnd);
    remindersSent = settings.reminders.filter((r) => end - r.ms <= Date.now()).map((r) => r.label);
  };

  setHandler(lifecycleQuery, view);
  setHandler(requestTurnSignal, (action) => {
    if (current?.requestId === action.requestId) {
      // Its turn was given and the request asks again (it was reset, say): give it again.
      void grant(action);
      return;
    }
    if (!queue.some((a) => a.requestId === action.requestId)) queue.push(action);
  });
  setHandler(actionFinishedSignal, (done) => {
    if (current?.requestId === done.requestId) finished = done;
    else {
      // A request cancelled while it waited for its turn leaves the queue.
      const at = queue.findIndex((a) => a.requestId === done.requestId);
      if (at >= 0) queue.splice(at, 1);
    }
  });
  setHandler(
    changeLeaseUpdate,
    async (change) => {
      await condition(() => started);
      leaseEnd = change.leaseEnd;
      skipPastReminders();
      if (state === 'expiring') {
        // Extended in its grace period: it stays, and its queued removal goes.
        state = 'active';
        const at = queue.findIndex((a) => a.action === DECOMMISSION);
        if (at >= 0) queue.splice(at, 1);
      }
      note({ kind: 'changed', leaseEnd, by: change.by });
      woken = true;
      await record(state, { leaseEnd });
      return view();
    },
    {
      validator: (change) => {
        if (!leaseChangeableStates.includes(state) || current?.action === DECOMMISSION)
          throw new Error(`the ${type} ${name} is ${state}: its lease can no longer change`);
        const end = change?.leaseEnd;
        if (end !== null && !(typeof end === 'string' && Date.parse(end) > Date.now()))
          throw new Error(`leaseEnd must be a time in the future, not ${JSON.stringify(end)}`);
      },
    },
  );

  /** Tells a request its turn came (or that it may not act: the resource is gone). */
  async function grant(action: ResourceAction, refused?: string): Promise<void> {
    try {
      await getExternalWorkflowHandle(action.workflowId).signal(turnGrantedSignal, {
        type,
        name,
        ...(refused ? { refused } : {}),
      });
    } catch (err) {
      // The request ended meanwhile (cancelled, terminated): nobody to wait for.
      if (isCancellation(err)) throw err;
      log.warn('request gone before its turn', {
        requestId: action.requestId,
        error: describeError(err).message,
      });
      finished = { requestId: action.requestId, action: action.action, succeeded: false };
    }
  }

  /** Runs one queued action to its end; true when the resource is gone. */
  async function runAction(action: ResourceAction): Promise<boolean> {
    current = action;
    finished = undefined;
    try {
      if (action.action === DECOMMISSION) return await decommission(action);
      const removing = action.action === 'delete';
      state = removing ? 'removing' : 'changing';
      await record(state);
      await grant(action);
      await condition(() => finished !== undefined);
      if (removing && finished!.succeeded) {
        // The request's end records the removal (state, commit) in the inventory.
        state = 'removed';
        return true;
      }
      state = removing ? 'failed' : 'active';
      await record(state);
      return false;
    } finally {
      current = undefined;
      finished = undefined;
    }
  }

  /** The lease's end: a request in the resource's trace that removes it the way it was built. */
  async function decommission(action: ResourceAction): Promise<boolean> {
    state = 'removing';
    const owner = await record(state);
    if (!owner) {
      // Another trace rebuilt the name: this resource is long gone.
      state = 'removed';
      return true;
    }
    const requestInput: RequestWorkflowInput = {
      traceId,
      requestId: action.requestId,
      requester: owner.owner,
      requesterRole: 'requester',
      requesterGroups: owner.group ? [owner.group] : [],
      resources: [{ type, action: 'delete', name, spec: { name }, managed: owner.managed }],
      notify: input.notify,
      fileUrl: `${input.apiUrl}/requests/${action.requestId}/file`,
      statusUrl: `${input.apiUrl}/requests/${action.requestId}`,
    };
    const child = await startChild(requestWorkflow, {
      workflowId: action.workflowId,
      args: [requestInput],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: traceSearchAttributes({
        traceId,
        requestId: action.requestId,
        requester: owner.owner,
        resourceType: type,
      }),
    });
    const outcome = await requestOutcome(child.result());
    const succeeded = outcome.status === 'succeeded';
    note({
      kind: succeeded ? 'decommissioned' : 'decommission-failed',
      leaseEnd,
      requestId: action.requestId,
    });
    if (succeeded) {
      state = 'removed';
      return true;
    }
    state = 'failed';
    await record(state);
    return false;
  }

  if (!input.carried) {
    note({ kind: 'set', leaseEnd });
    await record('active', { leaseEnd });
    started = true;
  }
  settings = await readSettings({});
  if (!input.carried) skipPastReminders();
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;

  for (;;) {
    const next = queue.shift();
    if (next) {
      if (await runAction(next)) break;
    } else {
      const wakeAt = nextWake();
      woken = false;
      const timeout = wakeAt === undefined ? undefined : Math.max(0, wakeAt - Date.now());
      await condition(() => woken || queue.length > 0, timeout);
      await onTime();
    }
    // Between actions, never in one: the next run starts with the state this one reached.
    const info = workflowInfo();
    if ((info.historyLength > historyLimit || info.continueAsNewSuggested) && queue.length === 0) {
      await condition(allHandlersFinished);
      if (queue.length === 0)
        await continueAsNew<typeof resourceWorkflow>({
          ...input,
          leaseEnd,
          carried: { state, remindersSent, queue, events },
        });
    }
  }
  // Whoever still waits for a turn learns the resource is gone, rather than waiting for ever.
  for (const waiting of queue.splice(0)) await grant(waiting, `the ${type} ${name} was removed`);
  log.info('resource removed', { type, name });
  return view();

  /** When the lease next needs attention: a reminder, its end, or the end of its grace. */
  function nextWake(): number | undefined {
    if (!leaseEnd || !settings) return undefined;
    const end = Date.parse(leaseEnd);
    if (state === 'active') {
      const due = settings.reminders.filter((r) => !remindersSent.includes(r.label)).map((r) => end - r.ms);
      return Math.min(end, ...due);
    }
    if (state === 'expiring') return end + settings.graceMs;
    return undefined;
  }

  /** Does what the lease's timer says is due now. */
  async function onTime(): Promise<void> {
    if (!leaseEnd || !settings) return;
    const end = Date.parse(leaseEnd);
    const at = Date.now();
    const subject = { type, name, traceId, leaseEnd, resourceUrl };
    if (state === 'active') {
      // The longest offset first; a lease that ended while no worker ran sends no late reminders.
      for (const r of settings.reminders) {
        if (remindersSent.includes(r.label) || end - r.ms > at) continue;
        remindersSent = [...remindersSent, r.label];
        if (end <= at) continue;
        note({ kind: 'reminded', leaseEnd });
        await tell(input.notify, leaseReminderNotice(subject, r.label));
      }
      if (end <= at) {
        state = 'expiring';
        note({ kind: 'expired', leaseEnd });
        await record(state);
        await tell(input.notify, leaseEndedNotice(subject, new Date(end + settings.graceMs).toISOString()));
      }
    }
    if (
      state === 'expiring' &&
      end + settings.graceMs <= Date.now() &&
      !queue.some((a) => a.action === DECOMMISSION)
    ) {
      const requestId = requestIdFrom(ulid(Date.now(), Math.random));
      queue.push({ requestId, workflowId: requestWorkflowId(traceId, requestId), action: DECOMMISSION });
    }
  }
}
