/**
 * `requestWorkflow`: one per request, the Requests Orchestrator of the original design.
 *
 * 1. records the request as running (ledger + RequestStatus search attribute) and tells people;
 * 2. prepares each resource to create with its handler (validated against the catalog of the
 *    moment, claimed for its requester, placed, given an address) and commits the common format
 *    to git, one commit per request and resource type, beside metadata naming the template that
 *    builds it; resolves each existing resource it acts on, which only its owner, its group's
 *    members and admins may; a resource that depends on others is prepared and committed only
 *    once they are built, so it sees what they made; a day-2 change (update, power) changes the
 *    resource's committed document through its handler and commits it the same way;
 * 3. runs each resource's template as a child workflow (a bounded number at once), handing it
 *    the commit to read, in dependency order: a resource starts once those it depends on
 *    (`dependsOn`, resolved by the API) succeeded, side by side with the independent ones; one
 *    whose dependency failed is never started (`skipped`, saying which);
 * 4. undoes what the request did for a resource that failed (its address released, its removal
 *    committed), dependents before what they depend on, removes what deletes removed, records the
 *    outcome and tells people.
 *
 * With `onFailure: "pause"` a resource's template waits at its failed step instead of undoing
 * (the request is `paused`) until the `resume` update decides: `retry` runs the step again,
 * `abort` undoes and fails. The update lands here; the decision goes on to the paused templates
 * by the `resumeStep` signal, and they tell the request of their pauses by `templatePaused`.
 *
 * A request that failed ends as a Failed workflow execution (RequestFailed, its details the same
 * RequestProgress the ledger holds); a cancelled one as Canceled; a succeeded one Completed.
 *
 * The workflow ID is `<traceId>/<requestId>`; a resource's template runs as
 * `<traceId>/<requestId>/<template>[<resource name>]`.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber, WorkflowExecutionAlreadyStartedError, type Duration } from '@temporalio/common';
import type { releaseAddressTask } from '../activities/ipam/release-address';
import type { LedgerActivities } from '../activities/ledger';
import type { prepareChange } from '../activities/resources/prepare-change';
import type { prepareResource } from '../activities/resources/prepare-resource';
import type { recordChange } from '../activities/resources/record-change';
import type { resolveResource } from '../activities/resources/resolve-resource';
import type { commitResource } from '../activities/rfm/commit-resource';
import type { replan } from '../activities/templates/replan';
import type { readResource } from '../activities/rfm/read-resource';
import type { recordRemoval } from '../activities/rfm/record-removal';
import type { TaskActivities } from '../activities/task';
import type { TemplateActivities } from '../activities/templates';
import { childWorkflowId } from '../common/ids';
import { undoOrder } from '../common/template-graph';
import { resourceWorkflowId } from '../common/lifecycle';
import { isChange } from '../common/resource';
import { finishedNotice, planChangedNotice, receivedNotice } from '../common/notices';
import {
  activitySummary,
  requestCurrentDetails,
  resourceDetails,
  resourceSummary,
} from '../common/summaries';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_PAUSE_TIMEOUT,
  DEFAULT_RUNNING_PER_REQUESTER,
  PLAN_APPROVAL_STEP,
  REQUEST_FAILED,
  templateFor,
  terminalStatuses,
  type LeaseRequestSpec,
  type PlanApproval,
  type RequestedResource,
  type RequestEvent,
  type ResourceKey,
  type RequestProgress,
  type RequestStatus,
  type RequestWorkflowInput,
  type OutcomeChange,
  type ResourceBatchInput,
  type ResourceOutcome,
} from '../common/request';
import { RequestStatus as RequestStatusAttribute, traceSearchAttributes } from '../common/search-attributes';
import { timeoutProfiles } from '../common/tasks';
import {
  resumeActions,
  type ApprovalDecision,
  type ResumeRecord,
  type StepError,
  type TemplatePlan,
  type TemplateProgress,
  type TemplateResult,
} from '../common/template';
import {
  actionFinishedSignal,
  admittedSignal,
  batchReportSignal,
  decidePlanUpdate,
  resumeBatchSignal,
  requestTurnSignal,
  resumeStepSignal,
  resumeUpdate,
  statusQuery,
  templatePausedSignal,
  templateProgressSignal,
  turnGrantedSignal,
} from './definitions';
import { followCurrentDetails } from './current-details';
import { oneAtATime, type OneAtATime } from './one-at-a-time';
import { describeError, templateResultOf } from './interpreter/errors';
import { tell } from './notify';
import { runBounded, runInDependencyOrder } from './run-bounded';
import { resourceWorkflow } from './resource';
import { templateInterpreter } from './template';

/** Resources built at once when the request does not say; end-system queues cap their own load too. */
export const DEFAULT_RESOURCE_CONCURRENCY = 10;

type Activities = LedgerActivities &
  TemplateActivities &
  TaskActivities<
    | typeof prepareResource
    | typeof prepareChange
    | typeof recordChange
    | typeof readResource
    | typeof resolveResource
    | typeof commitResource
    | typeof recordRemoval
    | typeof releaseAddressTask
    | typeof replan
  >;

const {
  'templates:replan': replanActivity,
  'resources:resolve': resolve,
  'resources:prepare-change': prepareChangeActivity,
  'resources:record-change': recordChangeActivity,
  'rfm:read-resource': read,
  'rfm:commit-resource': commit,
  'rfm:record-removal': recordRemovalActivity,
  'ipam:release-address': releaseAddress,
} = proxyActivities<Activities>({ ...timeoutProfiles.short, retry: { maximumInterval: '30 seconds' } });

// Calls a cancellation must wait for rather than abandon: an address allocated by an interrupted
// prepare must be known before the request gives addresses back, and a ledger write still in
// flight must not land after the 'cancelled' one and overwrite it.
const { 'resources:prepare': prepare, 'ledger:record-outcomes': recordOutcomes } =
  proxyActivities<Activities>({
    ...timeoutProfiles.short,
    retry: { maximumInterval: '30 seconds' },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

// Quick writes to PostgreSQL: local activities, run inside the workflow task that asks for them,
// with no activity task to dispatch and no workflow task to follow (TaskMeta.local), and one at a
// time (workflows/one-at-a-time.ts). Each is idempotent (a status already written adds nothing,
// the story's events are numbered), so running one again after a lost workflow task is harmless.
// The story's appends were the most of a request's workflow tasks as activities: one after each
// progress signal (docs/waits.md, "Fewer workflow tasks").
// The admission's (admission per requester) is another such write, under a per-requester lock;
// the plan pin reads the worker's own template library and keeps the plan by its digest.
const {
  'templates:pin-plan': pinPlan,
  'ledger:record-status': recordStatus,
  'ledger:record-events': recordEvents,
  'ledger:admit-request': admitRequest,
} = proxyLocalActivities<Activities>({
  ...timeoutProfiles.short,
  retry: { maximumInterval: '30 seconds' },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * How often a request waiting for its turn asks again, beside the signal that tells it: a signal
 * lost to a crash, or a place whose workflow was terminated, costs at most this.
 */
const ADMISSION_CHECK = '2 minutes';

/**
 * Admission per requester (docs/waits.md): at most `runningPerRequester` of a requester's
 * requests work at once. `enter` waits, visibly (`state.queued`), until this request holds a place;
 * `leave` gives it up once the request ended or paused for a decision, and admits whoever is next.
 * Every request admitted by either is told so by signal.
 */
function admission(
  input: RequestWorkflowInput,
  state: RequestProgress,
  changed: () => void,
  local: OneAtATime,
) {
  const ask = (move: 'enter' | 'leave', checkHolders = false) =>
    local(() =>
      admitRequest.executeWithOptions(
        {
          summary: activitySummary(
            move === 'enter' ? 'wait for a turn' : 'give the turn up',
            'ledger:admit-request',
          ),
        },
        [
          {
            requestId: input.requestId,
            requester: input.requester,
            workflowId: workflowInfo().workflowId,
            limit: input.runningPerRequester ?? DEFAULT_RUNNING_PER_REQUESTER,
            move,
            checkHolders,
          },
        ],
      ),
    );
  const admitOthers = (workflowIds: string[]) =>
    Promise.all(
      workflowIds.map((id) =>
        getExternalWorkflowHandle(id)
          .signal(admittedSignal)
          .catch((err: unknown) => {
            if (isCancellation(err)) throw err;
            // Ended meanwhile: the place is freed when a later check finds its workflow closed.
            log.warn('admitted request gone', { workflowId: id, error: describeError(err).message });
          }),
      ),
    );
  let told = false;
  setHandler(admittedSignal, () => {
    told = true;
  });
  let holding = false;
  // A lease change builds nothing and may wait days for its approval: it takes no place.
  const exempt = input.resources.every((r) => r.action === 'lease');
  return {
    async enter(): Promise<void> {
      if (exempt) return;
      for (let check = false; ; check = true) {
        told = false;
        const answer = await ask('enter', check);
        await admitOthers(answer.others);
        if (answer.admitted) break;
        const { ahead, running } = answer;
        const limit = input.runningPerRequester ?? DEFAULT_RUNNING_PER_REQUESTER;
        state.queued = { since: state.queued?.since ?? new Date().toISOString(), ahead, running, limit };
        changed();
        await condition(() => told, ADMISSION_CHECK);
      }
      holding = true;
      if (state.queued) {
        delete state.queued;
        changed();
      }
    },
    async leave(): Promise<void> {
      if (!holding) return;
      holding = false;
      await admitOthers((await ask('leave')).others);
    },
  };
}

/** What the request holds for one resource while it runs. */
interface Work {
  resource: RequestedResource;
  /** Its position in the request. */
  position: number;
  /** In a request built through batches: the batch workflow that builds it, once started. */
  batch?: string;
  outcome: ResourceOutcome;
  /** Set once prepared: the address it holds. */
  address?: string;
  /**
   * Set when its prepare ended without an answer (cancelled, or timed out: the worker died under
   * it): it may hold an address no answer named.
   */
  prepareCut?: boolean;
  /** Set once committed: where its common format is. */
  committed?: { repoUrl: string; commit: string };
  /** For an action on an existing resource: the resource workflow whose turn it waits for, or holds. */
  turn?: { workflowId: string; granted: boolean; refused?: string };
  /** For an action on an existing resource: the workflow that owns its life, as `resources:resolve` found it. */
  resourceWorkflowId?: string | null;
  /** Its lease end, for a create (ISO 8601), from its common format. */
  leaseEnd?: string | null;
  /** The positions in the request of the resources it is built after. */
  needs: number[];
  /** Set once its address was given back (a removal's, right after its template succeeded). */
  addressReleased?: boolean;
  /** For a day-2 change: its common format before (to commit again if the change fails) and after. */
  change?: { before: CommonFormat; after: CommonFormat };
}

/** A common-format document as the tasks pass it. */
type CommonFormat = Parameters<typeof commitResource.handler>[0]['documents'][number];

/** A template's plan as the request pinned it: its digest names it to the workflows that run it. */
interface PinnedPlan {
  digest: string;
  plan: TemplatePlan;
}

/**
 * The work of `resources`, at `positions` in the request whose workflow is `requestWorkflowId`
 * (which names their templates' workflows); `needs` are positions in `resources`, so a batch's
 * resources need only each other (what they need of earlier batches is decided before it starts).
 */
function workOf(resources: RequestedResource[], positions: number[], requestWorkflowId: string): Work[] {
  const positionOf = (key: ResourceKey) =>
    resources.findIndex((r) => r.type === key.type && r.name === key.name);
  return resources.map((resource, i) => {
    const template = templateFor(resource);
    return {
      resource,
      position: positions[i]!,
      needs: (resource.dependsOn ?? []).map(positionOf).filter((j) => j >= 0),
      outcome: {
        name: resource.name,
        type: resource.type,
        action: resource.action,
        template,
        workflowId: childWorkflowId(requestWorkflowId, template, resource.name),
        state: 'pending',
      },
    };
  });
}

/**
 * Takes the `resume` decision to each paused resource of `work`: recorded in its outcome, then
 * signalled to its template (or, with `batches`, to the batch workflow that builds it, once per
 * batch). Returns the names of the resources resumed.
 */
async function resumePaused(
  work: Work[],
  decision: { action: ResumeRecord['action']; by: string; at: string },
  batches = false,
): Promise<string[]> {
  const resumed: string[] = [];
  const signalled = new Set<string>();
  for (const w of work.filter((x) => x.outcome.paused)) {
    const record: ResumeRecord = { ...decision, stepId: w.outcome.paused!.stepId };
    delete w.outcome.paused;
    w.outcome.resumes = [...(w.outcome.resumes ?? []), record];
    resumed.push(w.resource.name);
    if (!batches) await getExternalWorkflowHandle(w.outcome.workflowId).signal(resumeStepSignal, record);
    else if (w.batch && !signalled.has(w.batch)) {
      signalled.add(w.batch);
      await getExternalWorkflowHandle(w.batch).signal(resumeBatchSignal, decision);
    }
  }
  return resumed;
}

export async function requestWorkflow(input: RequestWorkflowInput): Promise<RequestProgress> {
  const workflowId = workflowInfo().workflowId;
  const work = workOf(
    input.resources,
    input.resources.map((_, i) => i),
    workflowId,
  );
  const batchSize = Math.max(1, input.batchSize ?? DEFAULT_BATCH_SIZE);
  const batched = work.length > batchSize;
  const state: RequestProgress = {
    traceId: input.traceId,
    requestId: input.requestId,
    status: 'received',
    resources: work.map((w) => w.outcome),
  };
  setHandler(statusQuery, () => state);
  followCurrentDetails(() => requestCurrentDetails(state));
  setHandler(turnGrantedSignal, ({ type, name, refused }) => {
    const turn = work.find((w) => w.resource.type === type && w.resource.name === name)?.turn;
    if (!turn) return;
    turn.granted = true;
    if (refused) turn.refused = refused;
  });

  // Its local activities (status writes, the story's appends, admission), one at a time: see
  // workflows/one-at-a-time.ts.
  const local = oneAtATime();
  const story = new Story(input.requestId, state, local);
  const telling = CancellationScope.nonCancellable(() => story.tell());
  const turn = admission(input, state, () => story.changed(), local);

  setHandler(templateProgressSignal, (progress) => {
    const outcome = work.find((w) => w.outcome.workflowId === progress.workflowId)?.outcome;
    if (!outcome) return;
    outcome.progress = progress;
    story.changed();
  });

  setHandler(templatePausedSignal, ({ workflowId: child, pause }) => {
    const outcome = work.find((w) => w.outcome.workflowId === child)?.outcome;
    if (!outcome || outcome.state !== 'running') return;
    if (pause) outcome.paused = pause;
    else delete outcome.paused;
    story.changed();
  });
  const pausedWork = () => work.filter((w) => w.outcome.paused);
  setHandler(
    resumeUpdate,
    async (decision) => {
      const at = new Date().toISOString();
      const by = decision.by ?? 'temporal (no identity given)';
      const resumed = await resumePaused(work, { action: decision.action, by, at }, batched);
      log.info('request resumed', { action: decision.action, by, resources: resumed });
      return { action: decision.action, by, at, resources: resumed };
    },
    {
      // Refused before anything is written to history; the caller gets the reason.
      validator: (decision) => {
        const action = (decision as { action?: unknown } | undefined)?.action;
        if (!resumeActions.includes(action as never))
          throw new Error(`action must be one of ${resumeActions.join(', ')}, not ${JSON.stringify(action)}`);
        if (pausedWork().length === 0)
          throw new Error(`request ${input.requestId} is ${state.status}, not paused`);
      },
    },
  );

  // A plan changed before the run waits for a decision on the new one (`agreedPlans`).
  const waitingPlan = () => state.planApprovals?.find((p) => p.waiting);
  setHandler(
    decidePlanUpdate,
    (decision) => {
      const approval = waitingPlan()!;
      approval.waiting = false;
      approval.decision = {
        decision: decision.decision,
        by: decision.by,
        at: new Date().toISOString(),
        ...(decision.asAdmin ? { asAdmin: true } : {}),
        ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
      };
      story.changed();
    },
    {
      validator: (decision) => {
        const refusal = planDecisionRefusal(input.requestId, waitingPlan(), decision);
        if (refusal) throw new Error(refusal);
      },
    },
  );

  // While resources build, the ledger and the search attribute follow their pauses: `paused` while
  // any waits for a decision, `running` again once none does. Stopped (and awaited) before the
  // final status, so a late `paused` cannot land after it.
  let building = true;
  let pauses: Promise<void> = Promise.resolve();
  const followPauses = async (): Promise<void> => {
    const wanted = (): RequestStatus => (pausedWork().length ? 'paused' : 'running');
    try {
      for (;;) {
        await condition(() => !building || state.status === 'cancelling' || wanted() !== state.status);
        if (!building || state.status === 'cancelling') return;
        await setStatus(wanted());
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  };

  const setStatus = async (status: RequestStatus): Promise<void> => {
    state.status = status;
    story.changed();
    upsertSearchAttributes([{ key: RequestStatusAttribute, value: status }]);
    await local(() =>
      recordStatus.executeWithOptions(
        { summary: activitySummary(`record ${status}`, 'ledger:record-status') },
        [
          {
            requestId: input.requestId,
            traceId: input.traceId,
            requester: input.requester,
            workflowId,
            status,
            outcome:
              status === 'running'
                ? undefined
                : {
                    resources: state.resources,
                    ...(state.planApprovals ? { planApprovals: state.planApprovals } : {}),
                  },
          },
        ],
      ),
    );
    // A request that ended, or paused for a decision (which may take a day), gives its place up
    // to the next of its requester.
    if (status === 'paused' || terminalStatuses.includes(status)) await turn.leave();
  };

  // A cancellation shows at once as `cancelling`, while the children undo what they built.
  let cancelling: Promise<void> = Promise.resolve();
  CancellationScope.current().cancelRequested.catch(() => {
    if (state.status === 'running' || state.status === 'paused' || state.status === 'received')
      cancelling = CancellationScope.nonCancellable(() => setStatus('cancelling'));
  });

  // Told at once, while the request may still wait for its turn; the work does not wait for the
  // mail server, the last notice does (so the two arrive in order).
  const received = tell(input.notify, receivedNotice(input));
  const receivedSent = received.catch(() => undefined);
  try {
    // Inside the try, so that a cancellation arriving while these run still ends in the ledger.
    // Neither needs the other's result: one workflow task schedules both. Each is let finish
    // before a failure of the other is acted on, so a 'running' still in flight cannot land in
    // the ledger after the 'failed' that follows. Nothing is prepared (no address held, no
    // commit) before the plan it runs is the one agreed to. A request of more resources than a
    // batch holds prepares and builds them in its batches.
    await turn.enter();
    const [, plans] = await settledAll([
      setStatus('running'),
      agreedPlans(
        input,
        work.map((w) => w.outcome.template),
        state,
        () => story.changed(),
        local,
      ),
    ] as const);
    if (!batched)
      await prepareAndCommit(
        input,
        work.filter((w) => w.needs.length === 0),
      );
    pauses = followPauses();
    if (batched) await runBatches(input, work, plans, batchSize, () => story.changed());
    else await buildInOrder(input, work, plans);
  } catch (err) {
    if (isCancellation(err)) {
      // The children were cancelled with us and ran their own undo steps; undo ours, then say so.
      await CancellationScope.nonCancellable(async () => {
        building = false;
        await pauses;
        await cancelling;
        if (state.status !== 'cancelling') await setStatus('cancelling');
        for (const w of work)
          if (w.outcome.state === 'pending' || w.outcome.state === 'running') w.outcome.state = 'cancelled';
        // Batches undo what they did themselves.
        if (!batched) await cleanUp(input, work);
        await setStatus('cancelled');
        await story.end(telling);
        await receivedSent;
        await tell(input.notify, finishedNotice(input, state), { local: true });
      });
      throw err;
    }
    // Nothing could start (a template missing from the workers' library, say): every resource not
    // yet decided failed for that reason, and the request ends failed like any other.
    const { message, type } = describeError(err);
    const error = type ? { message, type } : { message };
    for (const w of work)
      if (w.outcome.state === 'pending' || w.outcome.state === 'running')
        Object.assign(w.outcome, { state: 'failed', error });
  }

  // The outcome is decided: a cancellation that arrives now must not cut its recording short, or
  // the ledger and the resource files would disagree with what was built.
  await CancellationScope.nonCancellable(async () => {
    building = false;
    await pauses;
    await cancelling;
    if (!batched) await cleanUp(input, work);
    await setStatus(work.every((w) => w.outcome.state === 'succeeded') ? 'succeeded' : 'failed');
    await story.end(telling);
    await receivedSent;
    await tell(input.notify, finishedNotice(input, state), { local: true });
  });
  if (state.status === 'failed') {
    throw ApplicationFailure.create({
      type: REQUEST_FAILED,
      nonRetryable: true,
      message: failureMessage(state),
      details: [state],
    });
  }
  return state;
}

/**
 * Builds `work` in dependency order, a bounded number at once: a resource starts once those it
 * depends on succeeded; one whose dependency failed is skipped.
 */
async function buildInOrder(input: RequestWorkflowInput, work: Work[], plans: Map<string, PinnedPlan>) {
  await runInDependencyOrder({
    items: work,
    limit: input.concurrency ?? DEFAULT_RESOURCE_CONCURRENCY,
    needs: (i) => work[i]!.needs,
    // One that depends on others is prepared when they are built, so it finds what they made
    // (a network's pool, say). One that failed to be prepared or committed is not built, and
    // what depends on it is skipped. One skipped before (its dependency in an earlier batch
    // failed) counts as failed.
    run: async (w) => {
      if (w.needs.length && w.outcome.state === 'pending') await prepareAndCommit(input, [w]);
      if (w.outcome.state === 'pending') await build(input, w, plans);
      return w.outcome.state === 'succeeded';
    },
    skip: (w, _i, blocker) => skip(w, work[blocker]!.outcome),
  });
}

/** The failure message Temporal shows (Web UI, `temporal workflow show`): each failed resource and why. */
function failureMessage(state: RequestProgress): string {
  const reasons = state.resources
    .filter((r) => r.state === 'failed')
    .map(
      (r) =>
        `${r.name}${r.error?.stepId ? ` at step ${r.error.stepId}` : ''}: ${r.error?.message ?? 'unknown error'}`,
    );
  const shown = reasons.slice(0, 5).join('; ');
  const more = reasons.length > 5 ? `; and ${reasons.length - 5} more` : '';
  return `request ${state.requestId} failed: ${shown}${more}`;
}

/**
 * One plan per distinct template, resolved once and pinned by its digest (the exact content then
 * travels in the request's history once, and its resources' templates read it by the digest); one
 * whose digest is not the planned one (`digests`) is refused, and the request fails unbuilt.
 */
async function pinPlans(
  templates: string[],
  digests: Record<string, string>,
  local: OneAtATime,
): Promise<Map<string, PinnedPlan>> {
  const names = [...new Set(templates)];
  const plans = await Promise.all(
    names.map((name) =>
      local(() =>
        pinPlan.executeWithOptions(
          { summary: activitySummary(`plan template ${name}`, 'templates:pin-plan') },
          [{ name, ...(digests[name] !== undefined ? { digest: digests[name] } : {}) }],
        ),
      ),
    ),
  );
  return new Map(names.map((name, i) => [name, plans[i]!]));
}

/**
 * The templates of the plan the request may run. One whose digest is not the planned one (edited
 * since the submission) makes the request plan itself again (`templates:replan`): a submission bound
 * to a plan then waits for a decision on the new plan (by its requester, an approver of the new
 * plan's approval steps, or an admin) and runs it only once approved, asking again if it changes
 * again; one bound to none runs the new plan, whose approval steps ask on it as on any plan.
 * Either way the request's plan, and the hash its approval steps take, is the new one.
 */
async function agreedPlans(
  input: RequestWorkflowInput,
  templates: string[],
  state: RequestProgress,
  changed: () => void,
  local: OneAtATime,
): Promise<Map<string, PinnedPlan>> {
  for (;;) {
    try {
      return await pinPlans(templates, input.templateDigests ?? {}, local);
    } catch (err) {
      // The pin's own refusal of a template edited since the plan (the root of the failure's
      // causes; a local activity's failure comes without an ActivityFailure around it).
      const planChanged = describeError(err).type === 'PlanChanged';
      if (!planChanged || input.planHash === undefined) throw err;
    }
    const replanned = await replanActivity.executeWithOptions(
      { summary: activitySummary('plan the request again', 'templates:replan') },
      [{ requestId: input.requestId, resources: input.resources, previousPlanHash: input.planHash }],
    );
    const timeout = input.pauseTimeout ?? DEFAULT_PAUSE_TIMEOUT;
    const since = new Date().toISOString();
    const approval: PlanApproval = {
      planHash: replanned.planHash,
      previousPlanHash: input.planHash,
      changes: replanned.changes,
      groups: replanned.approvalGroups,
      asked: input.planBound === true,
      ...(input.planBound ? { requester: input.requester } : {}),
      since,
      deadline: new Date(Date.parse(since) + msToNumber(timeout as Duration)).toISOString(),
      waiting: input.planBound === true,
    };
    state.planApprovals = [...(state.planApprovals ?? []), approval];
    changed();
    if (approval.asked) {
      await tell(input.notify, planChangedNotice(input, approval));
      const decided = await condition(() => !approval.waiting, timeout as Duration);
      if (!decided) {
        approval.waiting = false;
        changed();
      }
      const { decision } = approval;
      if (decision?.decision !== 'approve')
        throw ApplicationFailure.create({
          type: 'ApprovalDenied',
          nonRetryable: true,
          message: decision
            ? `the changed plan ${approval.planHash} was rejected by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`
            : `no decision on the changed plan ${approval.planHash} within ${timeout}`,
        });
    }
    // From now on the request runs the new plan: its templates, and its hash for every approval.
    input.planHash = replanned.planHash;
    input.templateDigests = replanned.templateDigests;
  }
}

/** Why a decision on a changed plan cannot be taken; undefined when it can. */
function planDecisionRefusal(
  requestId: string,
  waiting: PlanApproval | undefined,
  decision: ApprovalDecision,
): string | undefined {
  if (!waiting || decision.stepId !== PLAN_APPROVAL_STEP)
    return `no approval step ${decision.stepId} is waiting in request ${requestId}`;
  const mayDecide =
    decision.asAdmin === true ||
    decision.by === waiting.requester ||
    decision.groups.some((g) => waiting.groups.includes(g));
  if (!mayDecide)
    return `the changed plan is decided by its requester ${waiting.requester ?? ''}${waiting.groups.length ? `, ${waiting.groups.join(' or ')}` : ''} or an admin`;
  if (decision.planHash !== waiting.planHash)
    return `the decision is on plan ${decision.planHash ?? '(none named)'}, this run executes plan ${waiting.planHash}`;
  return undefined;
}

/**
 * Prepares every resource to create and resolves every existing one acted on (a failure, a
 * refusal included, marks that resource failed), then commits the prepared ones: one commit per
 * resource type for the whole request, and one more for each resource that depends on others,
 * prepared when its turn comes.
 */
async function prepareAndCommit(input: RequestWorkflowInput, work: Work[]): Promise<void> {
  const documents = new Map<string, { work: Work; document: unknown }[]>();
  const requester = { subject: input.requester, role: input.requesterRole, groups: input.requesterGroups };
  await runBounded(work, input.concurrency ?? DEFAULT_RESOURCE_CONCURRENCY, async (w) => {
    const index = w.position;
    try {
      if (w.resource.action !== 'create') {
        const found = await resolve.executeWithOptions(
          { summary: activitySummary(`find ${w.resource.name}`, 'resources:resolve') },
          [{ resourceType: w.resource.type, name: w.resource.name, requester, index }],
        );
        w.resourceWorkflowId = found.workflowId;
        if (isChange(w.resource.action)) await prepareDayTwo(w, index, documents);
        return;
      }
      const prepared = await prepare.executeWithOptions(
        { summary: activitySummary(`prepare ${w.resource.name}`, 'resources:prepare') },
        [
          {
            resource: w.resource.spec as { type: string },
            requestId: input.requestId,
            traceId: input.traceId,
            index,
            requester,
            ...(w.resource.group !== undefined ? { group: w.resource.group } : {}),
          },
        ],
      );
      w.address = prepared.address.address;
      w.leaseEnd = (prepared.document as { leaseEnd?: string | null }).leaseEnd ?? null;
      const list = documents.get(w.resource.type) ?? [];
      list.push({ work: w, document: prepared.document });
      documents.set(w.resource.type, list);
    } catch (err) {
      if (isCancellation(err)) {
        w.prepareCut = true;
        throw err;
      }
      // A prepare the worker died under, once the request was cancelled, is not tried again
      // (Temporal does not retry an activity whose cancellation was asked): it times out, and
      // whether it allocated the address is unknown. The request was cancelled all the same, and
      // ends so: not failed because the cancel met a crash.
      if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) w.prepareCut = true;
      if (CancellationScope.current().consideredCancelled)
        throw new CancelledFailure(`cancelled while ${w.resource.name} was being prepared`, [], err as Error);
      fail(w, err);
    }
  });
  for (const list of documents.values()) {
    try {
      const committed = await commit.executeWithOptions(
        {
          summary: activitySummary(
            `commit ${list.map((d) => d.work.resource.name).join(', ')}`,
            'rfm:commit-resource',
          ),
        },
        [
          {
            requestId: input.requestId,
            traceId: input.traceId,
            documents: list.map((d) => d.document as Parameters<typeof commit>[0]['documents'][number]),
          },
        ],
      );
      for (const { work } of list) work.committed = { repoUrl: committed.repoUrl, commit: committed.commit };
    } catch (err) {
      if (isCancellation(err)) throw err;
      for (const { work } of list) fail(work, err);
    }
  }
}

/**
 * A day-2 change's common format: the document at the branch tip, changed and checked by the
 * resource's handler, queued for the request's commit.
 */
async function prepareDayTwo(
  w: Work,
  index: number,
  documents: Map<string, { work: Work; document: unknown }[]>,
): Promise<void> {
  const { type, name, action, spec } = w.resource;
  const current = await read.executeWithOptions(
    { summary: activitySummary(`read ${name}`, 'rfm:read-resource') },
    [{ resourceType: type, name }],
  );
  const changed = await prepareChangeActivity.executeWithOptions(
    { summary: activitySummary(`prepare the ${action} of ${name}`, 'resources:prepare-change') },
    [
      {
        action: action as 'update' | 'power',
        change: { ...spec, type, name },
        document: current.document,
        index,
      },
    ],
  );
  w.change = { before: current.document, after: changed.document };
  documents.set(type, [...(documents.get(type) ?? []), { work: w, document: changed.document }]);
}

/** Runs a resource's template as a child workflow and records how it ended. */
async function build(input: RequestWorkflowInput, w: Work, plans: Map<string, PinnedPlan>): Promise<void> {
  const { resource, outcome } = w;
  outcome.state = 'running';
  const trace = {
    traceId: input.traceId,
    requestId: input.requestId,
    requester: input.requester,
    resourceType: resource.type,
    templateName: outcome.template,
  };
  try {
    const { plan, digest } = plans.get(outcome.template)!;
    // A lease change takes no turn: it may wait days for its approval, and the lease changes
    // whatever else acts on the resource.
    if (resource.action !== 'create' && resource.action !== 'lease') {
      const refused = await awaitTurn(input, w);
      if (refused) {
        // The resource is gone: git says so, and a change's document is not committed again.
        delete w.change;
        throw ApplicationFailure.create({ type: 'NotFound', nonRetryable: true, message: refused });
      }
    }
    const result = await executeChild(templateInterpreter, {
      workflowId: outcome.workflowId,
      staticSummary: resourceSummary(resource),
      staticDetails: resourceDetails(resource, plan, trace, w.committed),
      args: [
        {
          planDigest: digest,
          ...('batch' in input ? { quiet: true } : {}),
          input: {
            traceId: input.traceId,
            requestId: input.requestId,
            resourceType: resource.type,
            name: resource.name,
            ...(w.committed ?? {}),
            ...(resource.action === 'power' ? { power: resource.spec.power } : {}),
            ...(resource.action === 'lease' ? leaseInput(input, resource.spec) : {}),
          },
          trace,
          ...(input.onFailure === 'pause'
            ? { pauseTimeout: input.pauseTimeout ?? DEFAULT_PAUSE_TIMEOUT }
            : {}),
          ...(input.planHash !== undefined ? { planHash: input.planHash } : {}),
        },
      ],
      typedSearchAttributes: traceSearchAttributes(trace),
    });
    outcome.state = 'succeeded';
    outcome.output = result.output;
    outcome.progress = progressOf(result);
    // Built is built: its owner starts even when a cancellation came with the template's end.
    if (resource.action === 'create')
      await CancellationScope.nonCancellable(() => startResourceWorkflow(input, w));
    else {
      // The inventory shows the new size before the resource is `active` again.
      // A removal frees its address at once: what the request removes after it (the network the
      // address was on, say) finds it free.
      if (resource.action === 'delete') await release(input, w, false);
      if (w.change)
        await recordChangeActivity.executeWithOptions(
          { summary: activitySummary(`record the change of ${resource.name}`, 'resources:record-change') },
          [{ document: w.change.after }],
        );
      await endTurn(input, w, true);
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => endTurn(input, w, false));
      throw err;
    }
    await endTurn(input, w, false);
    const failed = templateResultOf(err);
    if (failed) outcome.progress = progressOf(failed);
    delete outcome.paused;
    fail(w, err, failed?.error);
    if (failed?.compensations.length) {
      outcome.compensated = failed.compensations.map((c) =>
        c.itemKey ? `${c.stepId}[${c.itemKey}]` : c.stepId,
      );
    }
  }
}

/** What templates/resource-lease.json takes beyond the common input: the lease asked for and its approval. */
function leaseInput(input: RequestWorkflowInput, spec: RequestedResource['spec']) {
  const { leaseEnd, approvalGroups, approvalTimeout } = spec as Partial<LeaseRequestSpec>;
  return { leaseEnd, approvalGroups, approvalTimeout, requester: input.requester };
}

/**
 * Asks the resource's workflow for this request's turn and waits for it, so actions on one
 * resource run one at a time in the order received. A resource no workflow owns (built before
 * resource workflows existed) is acted on at once. Returns why the request may not act, if so.
 */
async function awaitTurn(input: RequestWorkflowInput, w: Work): Promise<string | undefined> {
  const workflowId = w.resourceWorkflowId;
  if (!workflowId) return undefined;
  w.turn = { workflowId, granted: false };
  try {
    await getExternalWorkflowHandle(workflowId).signal(requestTurnSignal, {
      requestId: input.requestId,
      workflowId: workflowInfo().workflowId,
      action: w.resource.action,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.info('no resource workflow: acting at once', { workflowId });
    delete w.turn;
    return undefined;
  }
  const turn = w.turn;
  await condition(() => turn.granted);
  return turn.refused;
}

/** Tells the resource's workflow that this request's action on it ended (or will never start). */
async function endTurn(input: RequestWorkflowInput, w: Work, succeeded: boolean): Promise<void> {
  const turn = w.turn;
  if (!turn) return;
  delete w.turn;
  try {
    await getExternalWorkflowHandle(turn.workflowId).signal(actionFinishedSignal, {
      requestId: input.requestId,
      action: w.resource.action,
      succeeded,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('resource workflow gone', { workflowId: turn.workflowId, error: describeError(err).message });
  }
}

/**
 * Starts the workflow that owns the built resource's life from now on (its lease, its queue of
 * actions), in this request's trace; it outlives the request. A reset run finds it started.
 */
async function startResourceWorkflow(input: RequestWorkflowInput, w: Work): Promise<void> {
  const { type, name, managed } = w.resource;
  try {
    await startChild(resourceWorkflow, {
      workflowId: resourceWorkflowId(input.traceId, type, name),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          type,
          name,
          traceId: input.traceId,
          requestId: input.requestId,
          requester: input.requester,
          managed,
          notify: input.notify,
          apiUrl: input.statusUrl.slice(0, input.statusUrl.lastIndexOf('/requests/')),
          leaseEnd: w.leaseEnd ?? null,
        },
      ],
      typedSearchAttributes: traceSearchAttributes({
        traceId: input.traceId,
        requestId: input.requestId,
        requester: input.requester,
        resourceType: type,
      }),
    });
  } catch (err) {
    // Built is built: a resource workflow that cannot start must not undo the resource. It is
    // then acted on without a queue or a lease timer (as one built before resource workflows).
    if (isCancellation(err)) throw err;
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      log.error('resource workflow not started', { name, error: describeError(err).message });
  }
}

/**
 * What the request itself undoes or completes, per resource type: a create that did not succeed
 * gives back its address and has its removal committed; a delete that succeeded has its removal
 * committed (its address was freed as soon as it was removed). Dependents go before what they depend on (a VM's address
 * before the network's pool).
 */
async function cleanUp(input: RequestWorkflowInput, work: Work[]): Promise<void> {
  await restoreUnchanged(input, work);
  const removed = new Map<string, string[]>();
  for (const w of undoOrder(work.length, (i) => work[i]!.needs).map((i) => work[i]!)) {
    // A prepare cut short by a cancellation may have allocated an address the workflow never heard of.
    const mayHoldAddress = w.address !== undefined || w.prepareCut === true;
    const undoCreate = w.resource.action === 'create' && w.outcome.state !== 'succeeded' && mayHoldAddress;
    const finishDelete = w.resource.action === 'delete' && w.outcome.state === 'succeeded';
    if (!undoCreate && !finishDelete) continue;
    if (!w.addressReleased) await release(input, w, undoCreate);
    if (undoCreate) w.outcome.compensated = [...(w.outcome.compensated ?? []), 'address'];
    if (undoCreate && !w.committed) continue;
    removed.set(w.resource.type, [...(removed.get(w.resource.type) ?? []), w.resource.name]);
  }
  for (const [resourceType, names] of removed) {
    const removal = await recordRemovalActivity.executeWithOptions(
      { summary: activitySummary(`commit the removal of ${names.join(', ')}`, 'rfm:record-removal') },
      [{ resourceType, names, requestId: input.requestId, traceId: input.traceId }],
    );
    for (const w of work) {
      if (w.resource.action === 'delete' && names.includes(w.resource.name))
        w.outcome.removalCommit = removal.commit;
      if (w.resource.action === 'create' && names.includes(w.resource.name)) {
        w.outcome.compensated = [...(w.outcome.compensated ?? []), 'git'];
      }
    }
  }
}

/**
 * Gives back a resource's address: a removed one's, or that of a create that did not succeed,
 * which gives back only what this trace allocated, never another request's address.
 */
async function release(input: RequestWorkflowInput, w: Work, undoCreate: boolean): Promise<void> {
  await releaseAddress.executeWithOptions(
    { summary: activitySummary(`release the address of ${w.resource.name}`, 'ipam:release-address') },
    [
      {
        resourceType: w.resource.type,
        name: w.resource.name,
        requestId: input.requestId,
        ...(undoCreate ? { traceId: input.traceId } : {}),
      },
    ],
  );
  w.addressReleased = true;
}

/** Marks a resource never started because `blocker`, which it depends on, did not succeed. */
function skip(w: Work, blocker: Pick<ResourceOutcome, 'type' | 'name' | 'state'>): void {
  const { type, name, state } = blocker;
  w.outcome.state = 'skipped';
  w.outcome.error = {
    message: `not started: it depends on ${type} ${name}, which ${state === 'skipped' ? 'was not started either' : 'failed'}`,
  };
}

/**
 * A day-2 change that did not succeed has its common format as it was committed again (one commit
 * per resource type), so git keeps saying what the resource is.
 */
async function restoreUnchanged(input: RequestWorkflowInput, work: Work[]): Promise<void> {
  const undone = work.filter((w) => w.change && w.committed && w.outcome.state !== 'succeeded');
  for (const type of new Set(undone.map((w) => w.resource.type))) {
    const ofType = undone.filter((w) => w.resource.type === type);
    await commit.executeWithOptions(
      {
        summary: activitySummary(
          `commit ${ofType.map((w) => w.resource.name).join(', ')} as before`,
          'rfm:commit-resource',
        ),
      },
      [
        {
          requestId: input.requestId,
          traceId: input.traceId,
          documents: ofType.map((w) => w.change!.before),
        },
      ],
    );
    for (const w of ofType) w.outcome.compensated = [...(w.outcome.compensated ?? []), 'git'];
  }
}

function fail(w: Work, err: unknown, error?: StepError & { stepId?: string }): void {
  w.outcome.state = 'failed';
  w.outcome.error = error ?? describeError(err);
}

/** The progress part of a template's result: its steps, without the output or error told elsewhere. */
function progressOf(result: TemplateResult): TemplateProgress {
  const { output: _output, error: _error, ...progress } = result;
  return progress;
}

/**
 * A request's story for the event stream: each time the request changed (its status, a resource's
 * state, a step reported by its template) the difference to what was told before becomes events,
 * numbered in order, appended to the ledger by one activity at a time (changes made while one is
 * on its way go together in the next). The last event is the outcome.
 */
class Story {
  /** Events told but not yet appended, in order. */
  private readonly pending: RequestEvent[] = [];
  private ended = false;
  private seq = 0;
  private told = {
    status: '',
    resources: new Map<string, string>(),
    steps: new Map<string, string>(),
    plans: [] as string[],
  };

  constructor(
    private readonly requestId: string,
    private readonly state: RequestProgress,
    private readonly local: OneAtATime,
  ) {}

  /** Something in the request's state changed: what did becomes events now, so none is skipped. */
  changed(): void {
    this.pending.push(...this.news());
  }

  /** Tells what is left, the outcome last, and waits for `telling` (the loop of `tell`) to finish. */
  async end(telling: Promise<void>): Promise<void> {
    this.ended = true;
    await telling;
  }

  /** Appends the changes to the ledger until the story ended. */
  async tell(): Promise<void> {
    let states = this.resourceStates();
    for (;;) {
      await condition(() => this.pending.length > 0 || this.resourceStates() !== states || this.ended);
      states = this.resourceStates();
      this.changed();
      const done = this.ended;
      if (done && terminalStatuses.includes(this.state.status))
        this.pending.push(this.event({ type: 'outcome', data: this.state }));
      const events = this.pending.splice(0);
      if (events.length)
        await this.local(() =>
          recordEvents.executeWithOptions(
            { summary: activitySummary(`record ${events.length} event(s)`, 'ledger:record-events') },
            [{ requestId: this.requestId, events }],
          ),
        );
      if (done) return;
    }
  }

  /** The resources' states in short, so a resource that starts, ends or is undone is told at once. */
  private resourceStates(): string {
    return this.state.resources
      .map((r) => `${r.state}${r.error ? '!' : ''}${r.compensated?.length ?? 0}`)
      .join();
  }

  /** What changed since the last call, as events: steps and resources, the status first when it goes on, last when it ends. */
  private news(): RequestEvent[] {
    const events: RequestEvent[] = [];
    const { status } = this.state;
    const statusChanged = status !== this.told.status;
    this.told.status = status;
    const ending = terminalStatuses.includes(status) || status === 'cancelling';
    if (statusChanged && !ending) events.push(this.event({ type: 'status', data: { status } }));
    for (const [i, plan] of (this.state.planApprovals ?? []).entries()) {
      const json = JSON.stringify(plan);
      if (this.told.plans[i] === json) continue;
      this.told.plans[i] = json;
      events.push(this.event({ type: 'plan', data: plan }));
    }
    for (const resource of this.state.resources) {
      for (const step of resource.progress?.steps ?? []) {
        const key = `${resource.workflowId}\u0000${step.id}`;
        const json = JSON.stringify(step);
        if (this.told.steps.get(key) === json) continue;
        this.told.steps.set(key, json);
        events.push(
          this.event({
            type: 'step',
            data: { resource: resource.name, workflowId: resource.workflowId, step },
          }),
        );
      }
      const { progress: _progress, ...outcome } = resource;
      const json = JSON.stringify(outcome);
      if (this.told.resources.get(resource.workflowId) === json) continue;
      this.told.resources.set(resource.workflowId, json);
      events.push(this.event({ type: 'resource', data: outcome }));
    }
    if (statusChanged && ending) events.push(this.event({ type: 'status', data: { status } }));
    return events;
  }

  private event(e: Pick<RequestEvent, 'type' | 'data'>): RequestEvent {
    return { seq: ++this.seq, at: new Date().toISOString(), ...e } as RequestEvent;
  }
}

/**
 * Waits for every promise to settle, then gives their values; or throws a cancellation if one was
 * cancelled (the request was), else the first failure in list order.
 */
async function settledAll<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  const failed = failures.find((f) => isCancellation(f.reason)) ?? failures[0];
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * The positions of `work` in an order that builds what is depended on first, otherwise in the
 * request's order: cut into batches, every resource's dependencies are in its batch or an earlier one.
 */
function dependencyOrder(work: Work[]): number[] {
  const placed = new Set<number>();
  const order: number[] = [];
  while (order.length < work.length) {
    const next = work.findIndex((w, i) => !placed.has(i) && w.needs.every((d) => placed.has(d)));
    // A cycle (the API refuses them) is left to the batch, which reports its resources unstartable.
    const i = next >= 0 ? next : work.findIndex((_, j) => !placed.has(j));
    placed.add(i);
    order.push(i);
  }
  return order;
}

/**
 * Builds a request's resources through batch workflows of at most `size` each, one batch after
 * another (so the request's concurrency stays its bound), in dependency order: a batch is told
 * which resources it holds depend on ones of earlier batches that did not succeed, and skips
 * them. The request mirrors its batches' reports: outcomes without their steps, which the API
 * asks the running templates for, and reads from `ledger:record-outcomes` once a batch ended.
 */
async function runBatches(
  input: RequestWorkflowInput,
  work: Work[],
  plans: Map<string, PinnedPlan>,
  size: number,
  changed: () => void,
): Promise<void> {
  setHandler(batchReportSignal, ({ outcomes }) => {
    for (const { position, outcome } of outcomes) {
      const target = work[position]?.outcome;
      if (target) mirror(target, outcome);
    }
    changed();
  });
  const requestWorkflowId = workflowInfo().workflowId;
  const order = dependencyOrder(work);
  for (let number = 1; (number - 1) * size < order.length; number++) {
    const positions = order.slice((number - 1) * size, number * size);
    const inBatch = new Set(positions);
    const blockers = positions.flatMap((position) => {
      const blocker = work[position]!.needs.find(
        (d) => !inBatch.has(d) && work[d]!.outcome.state !== 'succeeded',
      );
      if (blocker === undefined) return [];
      const { type, name, state } = work[blocker]!.outcome;
      return [{ position, blocker: { type, name, state } }];
    });
    const templates = new Set(positions.map((p) => work[p]!.outcome.template));
    const batchId = childWorkflowId(requestWorkflowId, 'batch', String(number));
    for (const p of positions) work[p]!.batch = batchId;
    const batchInput: ResourceBatchInput = {
      ...input,
      resources: positions.map((p) => input.resources[p]!),
      batch: {
        number,
        requestWorkflowId,
        positions,
        plans: Object.fromEntries([...templates].map((t) => [t, plans.get(t)!])),
        blockers,
      },
    };
    await executeChild(resourceBatchWorkflow, {
      workflowId: batchId,
      staticSummary: `batch ${number} of request ${input.requestId}: ${positions.length} resources`,
      args: [batchInput],
      typedSearchAttributes: traceSearchAttributes({
        traceId: input.traceId,
        requestId: input.requestId,
        requester: input.requester,
      }),
    });
  }
}

/** The fields of an outcome a batch never reports: the request set them, or keeps them out of its history. */
const unreported = new Set<string>(['name', 'type', 'action', 'template', 'workflowId', 'progress']);

/**
 * Makes `target` (the request's outcome of a resource) what its batch reported, in place (the
 * request's state holds it). A report older than a `resume` the request took leaves its pause
 * and resumes as the request recorded them.
 */
function mirror(target: ResourceOutcome, reported: OutcomeChange): void {
  const stale = (reported.resumes?.length ?? 0) < (target.resumes?.length ?? 0);
  const kept = stale ? { paused: target.paused, resumes: target.resumes } : {};
  for (const key of Object.keys(target) as (keyof ResourceOutcome)[])
    if (!(key in reported) && !unreported.has(key)) delete target[key];
  Object.assign(target, reported);
  if (stale) {
    if (kept.paused) target.paused = kept.paused;
    else delete target.paused;
    target.resumes = kept.resumes;
  }
}

/** How often at the most a batch reports to its request: each report is an event in the request's history. */
const BATCH_REPORT_INTERVAL = '2 seconds';

/**
 * `resourceBatchWorkflow`: builds one batch of a large request's resources, as the request builds
 * a small one's (prepared and committed — one commit per resource type for the batch — then built
 * in dependency order, a bounded number at once, each as its template's child workflow, and what
 * did not succeed undone), and reports their outcomes to the request as they change, at most
 * every `BATCH_REPORT_INTERVAL`. Its templates tell it of their pauses; the request hands it the
 * `resume` decision. As it ends it records its outcomes, steps included (`ledger:record-outcomes`),
 * and reports them without their steps, so the request's history does not grow with them.
 *
 * Its workflow ID is `<traceId>/<requestId>/batch[<number>]`; its resources' templates keep the
 * IDs the request would give them, `<traceId>/<requestId>/<template>[<resource name>]`.
 */
export async function resourceBatchWorkflow(input: ResourceBatchInput): Promise<{ resources: number }> {
  const { batch } = input;
  const work = workOf(input.resources, batch.positions, batch.requestWorkflowId);
  const plans = new Map(Object.entries(batch.plans));
  setHandler(turnGrantedSignal, ({ type, name, refused }) => {
    const turn = work.find((w) => w.resource.type === type && w.resource.name === name)?.turn;
    if (!turn) return;
    turn.granted = true;
    if (refused) turn.refused = refused;
  });
  setHandler(templateProgressSignal, (progress) => {
    const outcome = work.find((w) => w.outcome.workflowId === progress.workflowId)?.outcome;
    if (outcome) outcome.progress = progress;
  });
  setHandler(templatePausedSignal, ({ workflowId: child, pause }) => {
    const outcome = work.find((w) => w.outcome.workflowId === child)?.outcome;
    if (!outcome || outcome.state !== 'running') return;
    if (pause) outcome.paused = pause;
    else delete outcome.paused;
  });
  setHandler(resumeBatchSignal, async (decision) => {
    await resumePaused(work, decision);
  });

  let ended = false;
  const reporting = CancellationScope.nonCancellable(() =>
    reportBatch(batch.requestWorkflowId, work, () => ended),
  );
  try {
    for (const { position, blocker } of batch.blockers) {
      const w = work.find((x) => x.position === position);
      if (w) skip(w, blocker);
    }
    await prepareAndCommit(
      input,
      work.filter((w) => w.needs.length === 0 && w.outcome.state === 'pending'),
    );
    await buildInOrder(input, work, plans);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        for (const w of work)
          if (w.outcome.state === 'pending' || w.outcome.state === 'running') w.outcome.state = 'cancelled';
        await cleanUp(input, work);
        await recordBatch(input, work);
        ended = true;
        await reporting;
      });
      throw err;
    }
    const error = { message: describeError(err).message };
    for (const w of work)
      if (w.outcome.state === 'pending' || w.outcome.state === 'running')
        Object.assign(w.outcome, { state: 'failed', error });
  }
  await CancellationScope.nonCancellable(async () => {
    await cleanUp(input, work);
    await recordBatch(input, work);
    ended = true;
    await reporting;
  });
  return { resources: work.length };
}

/** Keeps the batch's outcomes, their steps included, in the ledger. */
async function recordBatch(input: ResourceBatchInput, work: Work[]): Promise<void> {
  if (!work.length) return;
  await recordOutcomes.executeWithOptions(
    { summary: activitySummary(`record ${work.length} outcome(s)`, 'ledger:record-outcomes') },
    [
      {
        requestId: input.requestId,
        outcomes: work.map((w) => ({ position: w.position, outcome: w.outcome })),
      },
    ],
  );
}

/**
 * Signals the request the outcomes of `work` that changed since the last report (names and steps
 * left out: the request knows the names, and the API asks a running template for its steps), at most every `BATCH_REPORT_INTERVAL`, until the
 * batch ended and its last changes were sent.
 */
async function reportBatch(requestWorkflowId: string, work: Work[], ended: () => boolean): Promise<void> {
  const handle = getExternalWorkflowHandle(requestWorkflowId);
  const sent = new Map<number, string>();
  const changes = () =>
    work.flatMap((w) => {
      const outcome = Object.fromEntries(
        Object.entries(w.outcome).filter(([key]) => !unreported.has(key)),
      ) as OutcomeChange;
      const json = JSON.stringify(outcome);
      return sent.get(w.position) === json ? [] : [{ position: w.position, outcome, json }];
    });
  for (;;) {
    await condition(() => changes().length > 0 || ended());
    const now = changes();
    if (now.length === 0) return;
    for (const c of now) sent.set(c.position, c.json);
    try {
      await handle.signal(batchReportSignal, {
        outcomes: now.map(({ position, outcome }) => ({ position, outcome })),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.info('batch not reported: the request is gone', { error: describeError(err).message });
      return;
    }
    await condition(ended, BATCH_REPORT_INTERVAL);
  }
}
