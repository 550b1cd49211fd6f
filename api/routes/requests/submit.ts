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
import type { RequestWorkflowInput } from '../../../common/request';
import { loadCatalogSnapshot } from '../../../resource-handlers/store';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest, type FieldProblem } from '../../errors';
import { keepsDocumentedSubmission } from '../../openapi';
import { pauseTimeoutProblem, readSettings } from '../admin/settings';
import { expandOfferingOrders } from '../offerings/store';
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

/** Checks a submission by `actor`; throws the refusal (an HttpError naming each field) or returns it prepared. */
export async function prepareRequest(
  deps: ApiDeps,
  actor: Actor,
  body: unknown,
  opts: { traceId?: string; rerunOf?: string } = {},
): Promise<PreparedRequest> {
  // No body at all is an invalid body, refused below, not a crash here.
  const file = Buffer.from(JSON.stringify(body ?? null));
  // An offering ordered (`{"offering": …, "name": …}`) becomes the resource it stands for.
  const orders = await expandOfferingOrders(deps.pool, body, actor, new Date());
  if (orders.problems.length) throw await refusal(deps.pool, body, 400, orders.problems);
  const parsed = submissionSchema.safeParse(orders.body);
  if (!parsed.success) throw invalidRequest('body', parsed.error);
  const validated = await deps.resources.validate(parsed.data.resources, actor, opts.traceId);
  const { resources } = validated;
  // A pause length out of range is wrong in the body itself, like a field of a resource.
  const pause = pauseTimeoutProblem(parsed.data.pauseTimeout, 'body.pauseTimeout');
  const problems = pause ? [...validated.problems, pause] : validated.problems;
  if (problems.length) throw await refusal(deps.pool, body, pause ? 400 : validated.status, problems);
  const ids = { traceId: opts.traceId ?? traceIdFrom(ulid()), requestId: requestIdFrom(ulid()) };
  const workflowId = requestWorkflowId(ids.traceId, ids.requestId);
  // Everyone the request or any of its resources names, and the requester when they are an address.
  const notify = [
    ...new Set([
      ...parsed.data.notify,
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
    onFailure: parsed.data.onFailure ?? settings.onFailure,
    pauseTimeout: parsed.data.pauseTimeout ?? settings.pauseTimeout,
  };
  return {
    ...ids,
    workflowId,
    input,
    resourceTypes: [...new Set(resources.map((r) => r.type))].sort(),
    claims: resources.map((r) => ({ type: r.type, name: r.name })),
    file,
    ...(opts.rerunOf ? { rerunOf: opts.rerunOf } : {}),
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
