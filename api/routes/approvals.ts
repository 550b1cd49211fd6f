/**
 * `POST /v1/requests/{id}/approve`: an approver's decision on an approval step waiting somewhere
 * in the request's tree of templates. The decision goes to the workflow as an update, so the
 * caller learns at once whether it was taken (the step waits and the caller is in one of its
 * groups, or an admin, who may decide any step and is recorded as such) or why not; a refused
 * decision writes nothing to history.
 */
import { Router } from 'express';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import type { ApprovalDecision } from '../../common/template';
import { PLAN_APPROVAL_STEP } from '../../common/request';
import { decidePlanUpdate, decideUpdate, progressQuery, statusQuery } from '../../workflows/definitions';
import { principalOf, requireRole } from '../auth/middleware';
import type { ApiDeps } from '../deps';
import { HttpError, invalidRequest } from '../errors';
import { idParameter, planHashSchema } from './requests/schema';
import { getRequest } from './requests/store';

export const decisionSchema = z.strictObject({
  stepId: z.string().min(1).max(200),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  /** The hash of the plan the approver saw (the request's `planHash`); absent: the request's plan. */
  planHash: planHashSchema.optional(),
});

/** How many workflows of a request's tree the search for a waiting step reads at most. */
const MAX_WORKFLOWS_SEARCHED = 500;

export function approvalRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.param('id', (_req, _res, next, value: string) => {
    next(idParameter.test(value) ? undefined : new HttpError(404, 'NotFound', 'no such request'));
  });

  /** The workflows of the request's tree whose approval step `stepId` is waiting now. */
  async function waitingFor(rootIds: string[], stepId: string): Promise<string[]> {
    const found: string[] = [];
    const queue = [...rootIds];
    for (let seen = 0; queue.length && seen < MAX_WORKFLOWS_SEARCHED; seen++) {
      const workflowId = queue.shift()!;
      const progress = await deps.temporal.workflow
        .getHandle(workflowId)
        .query(progressQuery)
        .catch(() => undefined);
      for (const step of progress?.steps ?? []) {
        if (step.state !== 'running') continue;
        if (step.kind === 'approval' && step.id === stepId) found.push(workflowId);
        queue.push(...(step.children ?? []));
      }
    }
    return found;
  }

  // A requester decides only the changed plan of a request of their own (step `plan`).
  router.post('/requests/:id/approve', requireRole('approver', 'requester'), async (req, res) => {
    const principal = principalOf(req);
    const parsed = decisionSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const asRequester = principal.role === 'requester';
    if (asRequester && parsed.data.stepId !== PLAN_APPROVAL_STEP)
      throw new HttpError(403, 'Forbidden', 'this needs the role approver or admin');
    const row = await getRequest(deps.pool, String(req.params.id));
    if (!row || (asRequester && row.requester !== principal.subject))
      throw new HttpError(404, 'NotFound', `no request ${req.params.id}`);
    if (row.status !== 'running' && row.status !== 'received') {
      throw new HttpError(409, 'Conflict', `request ${row.requestId} has already ended (${row.status})`);
    }
    // An approval is of the plan the request runs: one seen on another plan is not applied to it.
    const planHash = parsed.data.planHash ?? row.planHash ?? undefined;
    if (row.planHash && planHash !== row.planHash)
      throw new HttpError(
        409,
        'PlanChanged',
        `request ${row.requestId} runs plan ${row.planHash}, not ${planHash}; look at its plan and decide again`,
        [{ path: 'body.planHash', message: `the request's plan is ${row.planHash}` }],
      );
    const status = await deps.temporal.workflow.getHandle(row.workflowId).query(statusQuery);
    // A plan that changed before the run is decided on the request itself (docs/plan-preview.md).
    const planWaits =
      parsed.data.stepId === PLAN_APPROVAL_STEP && status.planApprovals?.some((a) => a.waiting);
    const running = status.resources.filter((r) => r.state === 'running').map((r) => r.workflowId);
    const targets = planWaits ? [row.workflowId] : await waitingFor(running, parsed.data.stepId);
    if (targets.length === 0) {
      throw new HttpError(
        409,
        'Conflict',
        `no approval step ${parsed.data.stepId} is waiting in request ${row.requestId}`,
      );
    }
    const decision: ApprovalDecision = {
      ...parsed.data,
      by: principal.subject,
      groups: principal.groups,
      ...(principal.role === 'admin' ? { asAdmin: true } : {}),
      ...(planHash ? { planHash } : {}),
    };
    const decided: string[] = [];
    for (const workflowId of targets) {
      try {
        await deps.temporal.workflow
          .getHandle(workflowId)
          .executeUpdate(planWaits ? decidePlanUpdate : decideUpdate, { args: [decision] });
        decided.push(workflowId);
      } catch (err) {
        // The workflow's validator refused: not one of the step's groups, or it was just decided.
        if (!(err instanceof WorkflowUpdateFailedError)) throw err;
        const reason = err.cause?.message ?? err.message;
        if (/this run executes plan/.test(reason))
          throw new HttpError(409, 'PlanChanged', `${parsed.data.decision} refused: ${reason}`);
        throw new HttpError(403, 'Forbidden', `${parsed.data.decision} refused: ${reason}`);
      }
    }
    deps.log.info(
      {
        requestId: row.requestId,
        traceId: row.traceId,
        stepId: parsed.data.stepId,
        decision: parsed.data.decision,
        by: principal.subject,
        asAdmin: decision.asAdmin ?? false,
      },
      'approval decided',
    );
    res.json({
      requestId: row.requestId,
      stepId: parsed.data.stepId,
      decision: parsed.data.decision,
      by: principal.subject,
      asAdmin: decision.asAdmin ?? false,
      planHash: planHash ?? null,
      workflows: decided,
    });
  });
  return router;
}
