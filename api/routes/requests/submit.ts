/**
 * How a submission becomes a recorded request, in two steps every caller shares: `prepare` checks
 * the body (offering orders expanded, the envelope, each resource against its handler and the
 * permitted values) and builds what the workflow starts with; `record` writes it to the ledger
 * (in the caller's transaction when it gives one). `POST /v1/requests` and the hooks both use
 * them, so a request made by a monitoring system is checked exactly like one made by a person.
 */
import type { Pool, PoolClient } from 'pg';
import { ulid } from 'ulid';
import type { Actor } from '../../../common/authority';
import { requestIdFrom, requestWorkflowId, traceIdFrom } from '../../../common/ids';
import type { RequestedResource, RequestWorkflowInput } from '../../../common/request';
import { loadCatalogSnapshot } from '../../../resource-handlers/store';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest, type FieldProblem } from '../../errors';
import { keepsDocumentedSubmission } from '../../openapi';
import { pauseTimeoutProblem, readSettings } from '../admin/settings';
import { DAY_MS, expandOfferingOrders } from '../offerings/store';
import { planDifferences } from '../../plan/plan-hash';
import type { PlanAnswer, ProvisionalValue, RequestPlan } from '../../plan/planner';
import { previewedPlan } from '../../plan/store';
import { submissionSchema } from './schema';
import { insertRequest, type RequestRow } from './store';
import type { RefusalStatus } from './validation';

/** A workflow's page in the Temporal Web UI. */
export const temporalWorkflowUrl = (deps: Pick<ApiDeps, 'temporalUiUrl' | 'namespace'>, workflowId: string) =>
  `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`;

/** A checked submission: its IDs, what its workflow starts with, and what the ledger records. */
export interface PreparedRequest {
  traceId: string;
  requestId: string;
  workflowId: string;
  input: RequestWorkflowInput;
  resourceTypes: string[];
  claims: { type: string; name: string }[];
  /** The body as submitted: the request file. */
  file: Buffer;
  rerunOf?: string;
  /** What it will do (docs/plan-preview.md); absent when no plan could be made. */
  plan?: RequestPlan;
}

/** How a refused submission is introduced, by its status (see ResourceValidator). */
const refusals: Record<Exclude<RefusalStatus, 400>, [type: string, what: string]> = {
  404: ['NotFound', 'not found'],
  409: ['Conflict', 'not now'],
};

/**
 * The answer to a refused submission: 404 or 409 as the validator says; else 422 when the body
 * keeps the document's schema but breaks a rule no schema can state (the disks' total, a lease in
 * the future, what the placement matrix allows), 400 when it does not.
 */
async function refusal(
  pool: Pool,
  body: unknown,
  status: RefusalStatus,
  problems: FieldProblem[],
): Promise<HttpError> {
  const fields = problems.map(({ path, message }) => ({ path, message }));
  const details = fields.map((p) => `${p.path}: ${p.message}`).join('; ');
  if (status !== 400) {
    const [type, what] = refusals[status];
    return new HttpError(status, type, `${what}: ${details}`, fields);
  }
  const message = `invalid body: ${details}`;
  if (keepsDocumentedSubmission(body, await loadCatalogSnapshot(pool)))
    return new HttpError(422, 'Unprocessable', message, fields);
  return new HttpError(400, 'InvalidInput', message, fields);
}

/**
 * A body checked as a submission is (offerings expanded, the envelope, each resource against its
 * handler and what exists): the parsed submission and its resources, or the refusal thrown.
 */
export async function checkSubmission(
  deps: ApiDeps,
  actor: Actor,
  body: unknown,
  traceId: string | undefined,
) {
  const now = new Date();
  // An offering ordered (`{"offering": …, "name": …}`) becomes the resource it stands for.
  const orders = await expandOfferingOrders(deps.pool, body, actor, now);
  if (orders.problems.length) throw await refusal(deps.pool, body, 400, orders.problems);
  const parsed = submissionSchema.safeParse(orders.body);
  if (!parsed.success) throw invalidRequest('body', parsed.error);
  const validated = await deps.resources.validate(parsed.data.resources, actor, traceId);
  // A pause length out of range is wrong in the body itself, like a field of a resource.
  const pause = pauseTimeoutProblem(parsed.data.pauseTimeout, 'body.pauseTimeout');
  const problems = pause ? [...validated.problems, pause] : validated.problems;
  if (problems.length) throw await refusal(deps.pool, body, pause ? 400 : validated.status, problems);
  return {
    submission: parsed.data,
    resources: validated.resources,
    relative: relativeLeases(body, validated.resources, now),
  };
}

/**
 * The lease ends an order gave as a number of days from now: provisional in a plan, hashed as
 * that number of days, so an order previewed and submitted a minute apart has one plan.
 */
function relativeLeases(body: unknown, resources: RequestedResource[], now: Date) {
  const raw = (body as { resources?: unknown[] } | null)?.resources ?? [];
  const relative = new Map<number, ProvisionalValue[]>();
  resources.forEach((r, index) => {
    const ordered = (raw[index] as { offering?: unknown } | null)?.offering !== undefined;
    const leaseEnd = r.spec.leaseEnd;
    if (!ordered || typeof leaseEnd !== 'string') return;
    const days = Math.round((Date.parse(leaseEnd) - now.getTime()) / DAY_MS);
    relative.set(index, [
      { what: 'leaseEnd', value: leaseEnd, hashedAs: `<${days} days from the submission>` },
    ]);
  });
  return relative;
}

/**
 * The plan of the resources now. With `boundTo` (a submission's `planHash`) a plan that is no
 * longer that one is refused with 409, naming what changed since the preview of that hash. A
 * plan that cannot be made (git unreachable) leaves a submission unbound, not refused.
 */
async function planFor(
  deps: ApiDeps,
  resources: RequestedResource[],
  relative: Map<number, ProvisionalValue[]>,
  boundTo: string | undefined,
): Promise<RequestPlan | undefined> {
  let answer: PlanAnswer;
  try {
    answer = await deps.planner.plan(resources, relative);
  } catch (err) {
    if (boundTo) throw err;
    deps.log.warn({ err: (err as Error).message }, 'no plan for the submission; it is not bound to one');
    return undefined;
  }
  const { plan, hashed } = answer;
  if (boundTo && boundTo !== plan.planHash) {
    const before = await previewedPlan(deps.pool, boundTo);
    const changed = before === undefined ? [] : planDifferences(before, hashed);
    const fields = changed.length
      ? changed.map((d) => ({
          path: `plan.${d.path}`,
          message: `was ${JSON.stringify(d.before ?? null)}, now ${JSON.stringify(d.after ?? null)}`,
        }))
      : [{ path: 'body.planHash', message: 'no preview of this hash is known; preview again' }];
    throw new HttpError(
      409,
      'PlanChanged',
      `the plan is no longer ${boundTo}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
      fields,
      { planHash: plan.planHash, plan },
    );
  }
  return plan;
}

/** Checks a submission by `actor`; throws the refusal (an HttpError naming each field) or returns it prepared. */
export async function prepareRequest(
  deps: ApiDeps,
  actor: Actor,
  body: unknown,
  opts: { traceId?: string; rerunOf?: string } = {},
): Promise<PreparedRequest> {
  // No body at all is an invalid body, refused below, not a crash here.
  const file = Buffer.from(JSON.stringify(body ?? null));
  const { submission, resources, relative } = await checkSubmission(deps, actor, body, opts.traceId);
  // A re-run is planned anew: the hash its first submission was bound to is of another time.
  const plan = await planFor(deps, resources, relative, opts.rerunOf ? undefined : submission.planHash);
  const ids = { traceId: opts.traceId ?? traceIdFrom(ulid()), requestId: requestIdFrom(ulid()) };
  const workflowId = requestWorkflowId(ids.traceId, ids.requestId);
  // Everyone the request or any of its resources names, and the requester when they are an address.
  const notify = [
    ...new Set([
      ...submission.notify,
      ...resources.flatMap((r) => (Array.isArray(r.spec.notify) ? (r.spec.notify as string[]) : [])),
      ...(actor.subject.includes('@') ? [actor.subject] : []),
    ]),
  ];
  const settings = await readSettings(deps.pool);
  const input: RequestWorkflowInput = {
    ...ids,
    requester: actor.subject,
    requesterRole: actor.role,
    requesterGroups: [...actor.groups],
    resources,
    notify,
    fileUrl: `${deps.publicUrl}/v1/requests/${ids.requestId}/file`,
    statusUrl: `${deps.publicUrl}/v1/requests/${ids.requestId}`,
    temporalUrl: temporalWorkflowUrl(deps, workflowId),
    ...(opts.rerunOf ? { rerunOf: opts.rerunOf } : {}),
    onFailure: submission.onFailure ?? settings.onFailure,
    pauseTimeout: submission.pauseTimeout ?? settings.pauseTimeout,
    runningPerRequester: settings.runningPerRequester,
    ...(deps.requestBatchSize ? { batchSize: deps.requestBatchSize } : {}),
    ...(plan
      ? {
          planHash: plan.planHash,
          templateDigests: Object.fromEntries(
            plan.resources.map((r) => [r.template.name, r.template.digest]),
          ),
          // The requester saw this plan and bound the submission to it: a change asks them again.
          ...(submission.planHash !== undefined && !opts.rerunOf ? { planBound: true } : {}),
        }
      : {}),
  };
  return {
    ...ids,
    workflowId,
    input,
    resourceTypes: [...new Set(resources.map((r) => r.type))].sort(),
    claims: resources.map((r) => ({ type: r.type, name: r.name })),
    file,
    ...(opts.rerunOf ? { rerunOf: opts.rerunOf } : {}),
    ...(plan ? { plan } : {}),
  };
}

/**
 * Writes a prepared request to the ledger, through `db` (a transaction of the caller's) or the
 * pool: the row, or the request an Idempotency-Key or a re-run already made. A resource another
 * unfinished request acts on is a 409 naming both. The caller starts the workflow once it is
 * committed (`deps.starter.kick`).
 */
export async function recordRequest(
  db: Pool | PoolClient,
  prepared: PreparedRequest,
  idempotencyKey?: string,
): Promise<{ created: true; row: RequestRow } | { created: false; existingRequestId: string }> {
  const outcome = await insertRequest(db, {
    traceId: prepared.traceId,
    requestId: prepared.requestId,
    requester: prepared.input.requester,
    workflowId: prepared.workflowId,
    resourceTypes: prepared.resourceTypes,
    rerunOf: prepared.rerunOf,
    file: prepared.file,
    idempotencyKey,
    workflowInput: prepared.input,
    claims: prepared.claims,
    ...(prepared.plan ? { plan: prepared.plan } : {}),
  });
  if (!outcome.created && 'claimedBy' in outcome) {
    const c = outcome.claimedBy;
    throw new HttpError(
      409,
      'Conflict',
      `${c.type} ${c.name} is being acted on by request ${c.requestId} (${c.status}); wait for it to end`,
      [{ path: 'body.resources', message: `${c.type} ${c.name} is claimed by request ${c.requestId}` }],
    );
  }
  return outcome;
}
