/**
 * Shared by apply, discard and cancel: a 409 means "not now", and what it means for the step
 * depends on where the run is. If the run is already past the action (a retry of an accepted
 * request, or another actor did it) the action succeeded; if it is still on its way the conflict
 * is retried; if it ended otherwise the request can never succeed.
 */
import { failure } from '../../common/errors';
import type { RunStatus, TfeClient } from './client';
import { summarizeRun, type RunSummary } from './schemas';

/** What a 409 means for one action, by the run's status. */
export interface RunActionPlan {
  action: 'apply' | 'discard' | 'cancel';
  /** Statuses that show the action already took effect. */
  alreadyDone: readonly RunStatus[];
  /** Statuses from which the action will never become possible. */
  impossible: readonly RunStatus[];
}

/** Performs a run action with the 409 rules above; returns the run after it. */
export async function performRunAction(
  tfe: TfeClient,
  plan: RunActionPlan,
  runId: string,
  comment: string | undefined,
  signal: AbortSignal,
): Promise<{ run: RunSummary; accepted: boolean }> {
  const call = `tfe:${plan.action}-run`;
  const send = { apply: tfe.applyRun, discard: tfe.discardRun, cancel: tfe.cancelRun }[plan.action].bind(tfe);
  const answer = await send(runId, comment, signal);
  const run = summarizeRun(await tfe.readRun(runId, signal));
  if (answer.accepted) return { run, accepted: true };
  const status = run.status as RunStatus;
  if (plan.alreadyDone.includes(status)) return { run, accepted: false };
  const details = {
    system: 'tfe',
    call,
    httpStatus: 409,
    externalId: runId,
    upstreamCode: status,
    upstreamMessage: answer.conflict,
  };
  if (plan.impossible.includes(status))
    throw failure(
      'InvalidInput',
      `tfe: cannot ${plan.action} run ${runId}: it is ${status} (${answer.conflict})`,
      details,
    );
  throw failure('Conflict', `tfe: cannot ${plan.action} run ${runId} yet: it is ${status}`, details);
}
