/**
 * `/v1/requests` and `/v1/traces`: submit, read, list, re-run and cancel requests, and read the
 * submitted file. A requester sees and acts on their own requests only (others' are 404, so their
 * existence does not leak); approvers see all; admins see and act on all.
 */
import { Router, type Request } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  terminalStatuses,
  type RequestedResource,
  type PlanApproval,
  type RequestProgress,
  type ResourceOutcome,
} from '../../../common/request';
import { principalOf, requireRole } from '../../auth/middleware';
import type { Principal } from '../../auth/tokens';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest } from '../../errors';
import { StartDeferredError } from '../../starter';
import {
  findIdempotent,
  findRerun,
  getRequest,
  getRequestFile,
  listRequests,
  planOf,
  recordCancelling,
  recordResume,
  resumesOf,
  sha256,
  statusHistory,
  type RequestRow,
} from './store';
import { readRequestLog } from './log-store';
import { rememberPreview } from '../../plan/store';
import { progressQuery, resumeUpdate, statusQuery } from '../../../workflows/definitions';
import {
  idempotencyKeyOf,
  idempotencyKeyReused,
  idParameter,
  listCursor,
  listQuerySchema,
  resumeSchema,
} from './schema';
import { checkSubmission, prepareRequest, recordRequest, temporalWorkflowUrl } from './submit';
import { originOf } from '../hooks/scale-out';
import { streamEvents } from './event-stream';
import { leaseAskedIn } from '../resources/lease-approval';
import {
  approvalDecisions,
  approvalWaits,
  linkedResources,
  planApprovalOf,
  planDecisions,
  planWaits,
} from './story';

const canSeeAll = (p: Principal) => p.role === 'admin' || p.role === 'approver' || p.role === 'operator';
const canActOn = (p: Principal, row: RequestRow) => p.role === 'admin' || row.requester === p.subject;
/** Who may end a pause: the requester, an admin, an operator. */
const canResume = (p: Principal, row: RequestRow) => canActOn(p, row) || p.role === 'operator';

export function requestRoutes(deps: ApiDeps): Router {
  const router = Router();
  // An ID that cannot exist is a 404 at once, before it reaches the ledger (a NUL there is an error).
  for (const name of ['id', 'traceId']) {
    router.param(name, (_req, _res, next, value: string) => {
      next(idParameter.test(value) ? undefined : new HttpError(404, 'NotFound', 'no such request or trace'));
    });
  }
  const links = (row: Pick<RequestRow, 'requestId' | 'traceId' | 'workflowId'>) => ({
    self: `${deps.publicUrl}/v1/requests/${row.requestId}`,
    file: `${deps.publicUrl}/v1/requests/${row.requestId}/file`,
    log: `${deps.publicUrl}/v1/requests/${row.requestId}/log`,
    trace: `${deps.publicUrl}/v1/traces/${row.traceId}`,
    temporalUi: temporalWorkflowUrl(deps, row.workflowId),
  });

  /** The request `id` if the caller may see it; 404 otherwise. */
  async function visibleRequest(req: Request, id: string): Promise<RequestRow> {
    const row = await getRequest(deps.pool, id);
    const principal = principalOf(req);
    if (!row || (!canSeeAll(principal) && row.requester !== principal.subject)) {
      throw new HttpError(404, 'NotFound', `no request ${id}`);
    }
    return row;
  }

  /** Validates, records and starts a request; answers 202 (or 200 with the first one for a repeated key). */
  async function submit(
    req: Request,
    body: unknown,
    traceId: string | undefined,
    rerunOf: string | undefined,
  ) {
    const principal = principalOf(req);
    const key = idempotencyKeyOf(req);
    if (key) {
      const existing = await findIdempotent(deps.pool, principal.subject, key);
      if (existing)
        return repeated(existing.requestId, existing.bodySha256 === sha256(JSON.stringify(body ?? null)));
    }
    const prepared = await prepareRequest(deps, principal, body, { traceId, rerunOf });
    const outcome = await recordRequest(deps.pool, prepared, key);
    if (!outcome.created) return repeated(outcome.existingRequestId, true);
    const ids = { traceId: prepared.traceId, requestId: prepared.requestId };
    deps.log.info(
      { ...ids, requester: principal.subject, resources: prepared.input.resources.length, rerunOf },
      'request submitted',
    );
    // Recorded: the workflow starts now, in the background (api/starter.ts).
    deps.starter.kick(ids.requestId, prepared.input);
    return {
      status: 202,
      body: { requestId: ids.requestId, traceId: ids.traceId, status: 'received', links: links(outcome.row) },
    };
  }

  async function repeated(requestId: string, sameBody: boolean) {
    if (!sameBody) throw idempotencyKeyReused();
    const row = (await getRequest(deps.pool, requestId))!;
    return {
      status: 200,
      body: {
        requestId: row.requestId,
        traceId: row.traceId,
        status: row.status,
        links: links(row),
        repeated: true,
      },
    };
  }

  // The plan of a body, as its submission would run it: nothing recorded, started, held or committed.
  router.post('/requests/preview', requireRole('requester'), async (req, res) => {
    const { resources, relative } = await checkSubmission(deps, principalOf(req), req.body, undefined);
    const { plan, hashed } = await deps.planner.plan(resources, relative);
    await rememberPreview(deps.pool, plan.planHash, hashed);
    res.json(plan);
  });

  router.post('/requests', requireRole('requester'), async (req, res) => {
    const { status, body } = await submit(req, req.body, undefined, undefined);
    res.status(status).json(body);
  });

  router.get('/requests', async (req, res) => {
    const parsed = listQuerySchema.safeParse(req.query);
    if (!parsed.success) throw invalidRequest('query', parsed.error);
    const q = parsed.data;
    const principal = principalOf(req);
    const position = q.cursor ? listCursor.exec(q.cursor) : null;
    const after = position ? { createdMicros: position[1]!, requestId: position[2]! } : undefined;
    const requester = canSeeAll(principal) ? q.requester : principal.subject;
    const page = await listRequests(deps.pool, {
      traceId: q.trace,
      status: q.status,
      requester,
      limit: q.limit,
      after,
    });
    res.json({
      requests: page.rows.map((r) => ({ ...r, links: links(r) })),
      next: page.next ? `${page.next.createdMicros}.${page.next.requestId}` : null,
    });
  });

  router.get('/traces/:traceId', async (req, res) => {
    const principal = principalOf(req);
    const page = await listRequests(deps.pool, {
      traceId: req.params.traceId,
      requester: canSeeAll(principal) ? undefined : principal.subject,
      limit: 200,
    });
    if (page.rows.length === 0) throw new HttpError(404, 'NotFound', `no trace ${req.params.traceId}`);
    res.json({
      traceId: req.params.traceId,
      requests: page.rows.reverse().map((r) => ({ ...r, links: links(r) })),
    });
  });

  router.get('/requests/:id', async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    const [history, resumes, live, origin, plan] = await Promise.all([
      statusHistory(deps.pool, row.requestId),
      resumesOf(deps.pool, row.requestId),
      liveProgress(row),
      originOf(deps.pool, row.requestId),
      planOf(deps.pool, row.requestId),
    ]);
    const resources = (live.resources ?? []) as ResourceOutcome[];
    const approve = `${deps.publicUrl}/v1/requests/${row.requestId}/approve`;
    res.json({
      ...row,
      history,
      resumes,
      ...live,
      resources: linkedResources(resources, deps.endSystemUrls),
      waiting: [...planWaits(live.planApprovals, approve), ...approvalWaits(resources, approve)],
      // Waiting for its turn among its requester's requests (admission per requester, docs/waits.md).
      ...(live.progress?.queued ? { queued: live.progress.queued } : {}),
      ...planApprovalOf(live.planApprovals, approve),
      approvals: [...planDecisions(live.planApprovals), ...approvalDecisions(resources)],
      // What it was submitted to do, and what its approvals approve (docs/plan-preview.md).
      plan: plan ?? null,
      ...pauseOf(row, live.resources),
      ...(origin ? { origin } : {}),
      links: links(row),
    });
  });

  router.get('/requests/:id/events', async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    await streamEvents(deps, req, res, row);
  });

  router.get('/requests/:id/file', async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    const file = await getRequestFile(deps.pool, row.requestId);
    if (!file) throw new HttpError(404, 'NotFound', `request ${row.requestId} has no file`);
    res
      .type(file.contentType)
      .set('Content-Disposition', `attachment; filename="${row.requestId}.json"`)
      .send(file.body);
  });

  router.get('/requests/:id/log', async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    const log = await readRequestLog(deps.pool, row.requestId);
    // false while the request runs, or its last lines are still to be gathered: read it again later.
    res.type('text/plain; charset=utf-8').set('X-Log-Complete', String(log.complete)).send(log.text);
  });

  router.post('/requests/:id/rerun', requireRole('requester'), async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    if (!canActOn(principalOf(req), row)) throw new HttpError(404, 'NotFound', `no request ${row.requestId}`);
    if (row.status !== 'failed' && row.status !== 'cancelled') {
      throw new HttpError(
        409,
        'Conflict',
        `request ${row.requestId} is ${row.status}; only a failed or cancelled request is re-run`,
      );
    }
    // Re-run once: a second re-run answers with the first (the unique index holds it under races).
    const earlier = await findRerun(deps.pool, row.requestId);
    if (earlier) {
      const { status, body } = await repeated(earlier, true);
      res.status(status).json(body);
      return;
    }
    const file = await getRequestFile(deps.pool, row.requestId);
    if (!file)
      throw new HttpError(
        409,
        'Conflict',
        `request ${row.requestId} has no file to re-run (it was started outside the API)`,
      );
    const asked: unknown = JSON.parse(file.body.toString('utf8'));
    const lease = leaseAskedIn(asked);
    if (lease)
      throw new HttpError(
        409,
        'Conflict',
        `request ${row.requestId} asked for a lease change: ask again with POST /v1/resources/${lease.type}/${lease.name}/lease`,
      );
    const { status, body } = await submit(req, asked, row.traceId, row.requestId);
    res.status(status).json(body);
  });

  router.post('/requests/:id/cancel', requireRole('requester'), async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    if (!canActOn(principalOf(req), row)) throw new HttpError(404, 'NotFound', `no request ${row.requestId}`);
    if (terminalStatuses.includes(row.status)) {
      throw new HttpError(409, 'Conflict', `request ${row.requestId} has already ended (${row.status})`);
    }
    // A request whose workflow is still starting is started first, so its cancellation runs the
    // workflow's own clean-up and ends in the ledger like any other.
    try {
      await deps.starter.startNow(row.requestId);
    } catch (err) {
      if (!(err instanceof StartDeferredError)) throw err;
      res.set('Retry-After', '5');
      throw new HttpError(
        503,
        'Unavailable',
        `request ${row.requestId} is still waiting for Temporal to take it; ask again shortly`,
      );
    }
    await deps.temporal.workflow.getHandle(row.workflowId).cancel();
    // Asked for and taken: `cancelling` until the workflow has undone what it built and says so.
    await recordCancelling(deps.pool, row.requestId);
    deps.log.info(
      { requestId: row.requestId, traceId: row.traceId, by: principalOf(req).subject },
      'request cancellation asked',
    );
    res.status(202).json({ requestId: row.requestId, status: 'cancelling', links: links(row) });
  });

  router.post('/requests/:id/resume', async (req, res) => {
    const row = await visibleRequest(req, String(req.params.id));
    const principal = principalOf(req);
    if (!canResume(principal, row))
      throw new HttpError(
        403,
        'Forbidden',
        `only the requester, an operator or an admin may resume request ${row.requestId}`,
      );
    const parsed = resumeSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const notPaused = () =>
      new HttpError(
        409,
        'Conflict',
        `request ${row.requestId} is ${row.status}, not paused; only a paused request is resumed`,
        [{ path: 'status', message: `${row.status}, not paused` }],
      );
    if (row.status !== 'paused') throw notPaused();
    let answer;
    try {
      answer = await deps.temporal.workflow
        .getHandle(row.workflowId)
        .executeUpdate(resumeUpdate, { args: [{ action: parsed.data.action, by: principal.subject }] });
    } catch (err) {
      // The workflow's own check: its pause ended meanwhile (a decision, the timeout, a cancel).
      if (err instanceof WorkflowUpdateFailedError) throw notPaused();
      throw err;
    }
    await recordResume(deps.pool, row.requestId, answer.action, principal.subject);
    deps.log.info({ requestId: row.requestId, traceId: row.traceId, ...answer }, 'request resumed');
    res.status(202).json({ requestId: row.requestId, ...answer, links: links(row) });
  });

  /** The request workflow's live state and each running resource's template progress. */
  async function liveProgress(row: RequestRow): Promise<{
    progress?: RequestProgress;
    resources?: unknown[];
    planApprovals?: PlanApproval[];
    liveError?: string;
    starting?: Awaited<ReturnType<ApiDeps['starter']['waiting']>>;
  }> {
    if (terminalStatuses.includes(row.status)) {
      const outcome = row.outcome as Pick<RequestProgress, 'resources' | 'planApprovals'> | null;
      return {
        resources: await withBatchSteps(row.requestId, outcome?.resources ?? []),
        ...(outcome?.planApprovals ? { planApprovals: outcome.planApprovals } : {}),
      };
    }
    try {
      const progress = await deps.temporal.workflow.getHandle(row.workflowId).query(statusQuery);
      const resources = await Promise.all(
        progress.resources.map(async (r) => {
          // The template reports its progress to the request; asked only before its first report.
          if (r.state !== 'running' || r.progress) return r;
          const detail = await deps.temporal.workflow
            .getHandle(r.workflowId)
            .query(progressQuery)
            .catch(() => undefined);
          return detail ? { ...r, progress: detail } : r;
        }),
      );
      const { planApprovals, ...rest } = progress;
      return {
        progress: { ...rest, resources: [] },
        resources: await withBatchSteps(row.requestId, resources),
        ...(planApprovals ? { planApprovals } : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        const starting = await deps.starter.waiting(row.requestId);
        if (starting) return { starting };
        return { liveError: 'the workflow is not known to Temporal' };
      }
      return { liveError: (err as Error).message };
    }
  }

  /**
   * The steps of the resources a request built through batches, which its own outcome leaves
   * out: each batch recorded them as it ended (`ledger:record-outcomes`), by position.
   */
  async function withBatchSteps(requestId: string, resources: ResourceOutcome[]): Promise<ResourceOutcome[]> {
    if (!resources.some((r) => !r.progress && r.state !== 'running' && r.state !== 'pending'))
      return resources;
    const { rows } = await deps.pool.query<{ position: number; progress: ResourceOutcome['progress'] }>(
      `SELECT position, outcome->'progress' AS progress FROM request_resource_outcomes
        WHERE request_id = $1 AND outcome ? 'progress'`,
      [requestId],
    );
    const steps = new Map(rows.map((r) => [r.position, r.progress]));
    return resources.map((r, i) => (!r.progress && steps.has(i) ? { ...r, progress: steps.get(i) } : r));
  }

  /** While paused: what failed where, why, until when it waits, and the ways out. */
  function pauseOf(row: RequestRow, resources: unknown[] | undefined) {
    if (row.status !== 'paused') return {};
    const paused = ((resources ?? []) as ResourceOutcome[])
      .filter((r) => r.paused)
      .map((r) => ({ resource: r.name, ...r.paused! }));
    const resume = `${deps.publicUrl}/v1/requests/${row.requestId}/resume`;
    return {
      pause: {
        paused,
        waysOut: [
          {
            action: 'retry',
            method: 'POST',
            href: resume,
            body: { action: 'retry' },
            does: 'runs the failed step again and carries on',
          },
          {
            action: 'abort',
            method: 'POST',
            href: resume,
            body: { action: 'abort' },
            does: 'undoes what was built and fails the request',
          },
        ],
        onTimeout: 'abort',
      },
    };
  }

  return router;
}

export type { RequestedResource };
