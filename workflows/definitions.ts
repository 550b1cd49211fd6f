/**
 * The queries, signals and updates of the workflows, by their typed definitions: the workflows
 * set their handlers, the API and the tests call them. Only `define*` from @temporalio/workflow
 * and types, so the API imports it without loading workflow code and the bundle stays Node-free.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionFinished, LeaseChange, ResourceAction, ResourceLifecycle } from '../common/lifecycle';
import type { BatchReport, RequestProgress, ResumeAnswer, ResumeDecision } from '../common/request';
import type { ApprovalDecision, PauseInfo, ResumeRecord, TemplateProgress } from '../common/template';

/** The request's status and every resource's outcome so far (`requestWorkflow`). */
export const statusQuery = defineQuery<RequestProgress>('status');

/** Live progress of every step: state, attempts, times, last error, external IDs (`templateInterpreter`). */
export const progressQuery = defineQuery<TemplateProgress>('progress');

/** An approval decision for a running approval step; ignored unless `groups` meets the step's groups. */
export const approveSignal = defineSignal<[ApprovalDecision]>('approve');

/**
 * The same decision as an update: the caller learns whether it was taken, or why not (no such
 * step waiting, or not one of its groups). The API uses this one.
 */
export const decideUpdate = defineUpdate<void, [ApprovalDecision]>('decide');

/**
 * A decision on a request's plan that changed before it ran (`requestWorkflow`, step `plan`):
 * refused unless a changed plan waits, the decision is on its hash, and the caller may decide it.
 */
export const decidePlanUpdate = defineUpdate<void, [ApprovalDecision]>('decidePlan');

/**
 * Ends the pause of a request's failed step (`requestWorkflow`): `retry` runs the step again,
 * `abort` undoes and fails. Refused unless a resource is paused or when the action is unknown.
 */
export const resumeUpdate = defineUpdate<ResumeAnswer, [ResumeDecision]>('resume');

/**
 * From a resource's template to its request: a step paused (`pause` set) or its pause ended
 * without a decision from the request (timeout, cancellation: `pause` absent).
 */
export const templatePausedSignal =
  defineSignal<[{ workflowId: string; pause?: PauseInfo }]>('templatePaused');

/** From the request to its paused resource's template: the decision, as recorded. */
export const resumeStepSignal = defineSignal<[ResumeRecord]>('resumeStep');

/** A resource's life: state, lease, reminders sent, queue of actions (`resourceWorkflow`). */
export const lifecycleQuery = defineQuery<ResourceLifecycle>('lifecycle');

/**
 * Changes a resource's lease (`resourceWorkflow`); the running timer follows at once. Refused
 * (before anything is written) while the resource is being removed, or for a lease in the past.
 */
export const changeLeaseUpdate = defineUpdate<ResourceLifecycle, [LeaseChange]>('changeLease');

/** From a request to a resource's workflow: it wants its turn to act on the resource. */
export const requestTurnSignal = defineSignal<[ResourceAction]>('requestTurn');

/** From a resource's workflow to a request: its turn on the resource came (`refused`: it may not act). */
export const turnGrantedSignal =
  defineSignal<[{ type: string; name: string; refused?: string }]>('turnGranted');

/**
 * From a request that gave its place up (ended, or paused for a decision) to one of the same
 * requester's requests queued behind it: its turn came (admission per requester, docs/waits.md).
 */
export const admittedSignal = defineSignal('admitted');

/** From a request to a resource's workflow: its action on the resource ended. */
export const actionFinishedSignal = defineSignal<[ActionFinished]>('actionFinished');
/**
 * From a template to the workflow that started it (the request, or the template whose step runs
 * it): its progress, each time it changed. The request keeps it as the resource's story; a
 * parent template takes the external IDs into the step that runs the child, as soon as known.
 */
export const templateProgressSignal = defineSignal<[TemplateProgress]>('templateProgress');

/** From a batch workflow to its request: its resources' outcomes that changed (`resourceBatchWorkflow`). */
export const batchReportSignal = defineSignal<[BatchReport]>('batchReport');

/** From a request to a batch whose resources are paused: the `resume` decision, for each of them. */
export const resumeBatchSignal =
  defineSignal<[{ action: ResumeRecord['action']; by: string; at: string }]>('resumeBatch');
