/**
 * `templateInterpreter`: the one generic workflow that runs any template plan as a DAG of steps.
 * Sub-templates and fan-out items run as children of the same type. Clients read progress with
 * the `progress` query, answer approval steps with the `approve` signal, and end a paused step's
 * wait with the `resumeStep` signal its request sends. A template started by another workflow
 * tells it how its progress changes (`templateProgress`, `reportProgress`), and its result (or
 * its failure's details) carries the last of it, so the request holds each resource's story
 * while it runs and records it when it ends.
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TemplateActivities } from '../activities/templates';
import { requestWorkflowId } from '../common/ids';
import type {
  InterpreterInput,
  InterpreterStart,
  TemplateProgress,
  TemplateResult,
} from '../common/template';
import { activitySummary } from '../common/summaries';
import { timeoutProfiles } from '../common/tasks';
import {
  approveSignal,
  decideUpdate,
  progressQuery,
  resumeStepSignal,
  templateProgressSignal,
} from './definitions';
import { describeError } from './interpreter/errors';
import { templateCurrentDetails } from '../common/summaries';
import { followCurrentDetails } from './current-details';
import { TemplateRun } from './interpreter/runner';

// A read of PostgreSQL: a local activity, in the workflow task that starts the run.
const { 'templates:read-plan': readPlan } = proxyLocalActivities<TemplateActivities>({
  ...timeoutProfiles.short,
  retry: { maximumInterval: '30 seconds' },
});

/** Runs the template `input.plan.entry` of the plan with `input.input`. */
export async function templateInterpreter(start: InterpreterStart): Promise<TemplateResult> {
  const input = await withPlan(start);
  const run = new TemplateRun(input);
  setHandler(progressQuery, () => run.progress());
  followCurrentDetails(() => templateCurrentDetails(run.progress()));
  setHandler(approveSignal, (decision) => run.approve(decision));
  setHandler(resumeStepSignal, (decision) => run.resume(decision));
  setHandler(templateProgressSignal, (progress) => run.childProgress(progress));
  // The validator refuses before anything is written to history; the caller gets the reason.
  setHandler(decideUpdate, (decision) => run.approve(decision), {
    validator: (decision) => {
      const refusal = run.approvalRefusal(decision);
      if (refusal) throw new Error(refusal);
    },
  });
  const parent = workflowInfo().parent;
  if (!parent || input.quiet) return run.execute();
  let ended = false;
  // A template that runs another's step (a sub-template, a fan-out item, an undo) is read by its
  // parent for its external IDs only (`TemplateRun.childProgress`): it tells them when they change,
  // not every step it takes. Each signal is a workflow task in both workflows.
  const toRequest = parent.workflowId === requestWorkflowId(input.trace.traceId, input.trace.requestId);
  // Not cancellable: a cancelled template still tells its parent how its steps ended.
  const reporting = CancellationScope.nonCancellable(() =>
    reportProgress(run, parent, toRequest ? 'steps' : 'externalIds', () => ended),
  );
  try {
    return await run.execute();
  } finally {
    ended = true;
    await reporting;
  }
}

/** The start's plan, read by its digest when the start names one (a request's resource). */
async function withPlan(start: InterpreterStart): Promise<InterpreterInput> {
  if (start.plan) return start as InterpreterInput;
  const { planDigest, ...rest } = start;
  const plan = await readPlan.executeWithOptions(
    { summary: activitySummary('read the pinned plan', 'templates:read-plan') },
    [{ digest: planDigest! }],
  );
  return { ...rest, plan };
}

/**
 * How often at most a template tells its parent how its steps go. Each signal is a workflow task
 * in both workflows (and a ledger write in the request); one at every step transition made a
 * one-VM request's template send the request 13, most of the tree's workflow tasks (docs/waits.md,
 * "Fewer workflow tasks"). A new external ID (an AWX job, a TFE run: where an operator looks) is
 * told sooner (`reportProgress`); the end carries the whole progress.
 */
export const PROGRESS_INTERVAL = '1 second';

/**
 * Signals the parent the progress each time what it reads of it changed (`reads`: the steps, for
 * the request's story; their external IDs only, for a parent template), one signal at a time,
 * until the run ended and its last state was sent. A new external ID goes as soon as no quick call
 * of the run is on its way, so the IDs of calls that follow one another (an AWX job template found,
 * then its job launched) go in one signal, before the long wait that follows them. The request
 * hears of the steps at once; anything else waits until `PROGRESS_INTERVAL` has passed since the
 * last signal, and what changed meanwhile goes together.
 */
async function reportProgress(
  run: TemplateRun,
  parent: { workflowId: string; runId: string },
  reads: 'steps' | 'externalIds',
  ended: () => boolean,
): Promise<void> {
  const handle = getExternalWorkflowHandle(parent.workflowId, parent.runId);
  const ids = () => externalIdsOf(run.progress());
  const told = reads === 'steps' ? () => JSON.stringify(run.progress()) : ids;
  // The request hears of the steps at once, all pending (its story lists what is to come).
  let sent = reads === 'steps' ? '' : told();
  let idsSent = ids();
  for (let first = true; ; first = false) {
    // The interval, cut short by a new external ID (a parent template reads nothing else).
    if (reads === 'steps' && !first)
      await condition(() => ended() || (ids() !== idsSent && !run.callOnItsWay()), PROGRESS_INTERVAL);
    // The steps' states are due now; external IDs alone still wait for the quick calls.
    await condition(() => ended() || (told() !== sent && (reads === 'steps' || !run.callOnItsWay())));
    const now = told();
    if (now === sent) return;
    // A template that succeeded or failed hands its whole progress to its parent in its result
    // (or its failure's details): telling it once more only delays its end by a workflow task.
    // A cancelled one has no result to carry it.
    const { status } = run.progress();
    if (ended() && (status === 'succeeded' || status === 'failed')) return;
    sent = now;
    idsSent = ids();
    try {
      await handle.signal(templateProgressSignal, run.progress());
    } catch (err) {
      // The parent ended (its own story is recorded); the template's history keeps the rest.
      if (isCancellation(err)) throw err;
      log.info('progress not reported: the parent is gone', { error: describeError(err).message });
      return;
    }
  }
}

/** The external IDs of every step, the part of a progress a parent template takes in. */
function externalIdsOf(progress: TemplateProgress): string {
  return JSON.stringify(progress.steps.map((step) => step.externalIds));
}
