/**
 * A lease change beyond the catalog's maximum, when an admin named a group to approve such
 * changes (setting `leaseApprovalGroup`): not refused, but recorded as a request in the resource's
 * trace (action `lease`, template `resource-lease`) that waits for that group's approval like any
 * approval step (`POST /v1/requests/{id}/approve`, the approver's portal page, the
 * `oo_approvals_waiting` gauge), then changes the lease; rejected or timed out, nothing changes.
 */
import { ulid } from 'ulid';
import { requestIdFrom, requestWorkflowId } from '../../../common/ids';
import type { LeaseRequestSpec, RequestWorkflowInput } from '../../../common/request';
import type { ResourceRecord } from '../../../resource-handlers/store';
import type { Principal } from '../../auth/tokens';
import type { ApiDeps } from '../../deps';
import { idempotencyKeyReused } from '../requests/schema';
import { findIdempotent, insertRequest, sha256 } from '../requests/store';
import type { Settings } from '../admin/settings';

/** The 202 a lease change waiting for its approval answers: the request to follow. */
export interface LeaseApprovalStarted {
  requestId: string;
  traceId: string;
  status: 'received';
  leaseEnd: string;
  approvalGroup: string;
  links: { request: string; events: string; approve: string; trace: string };
  /** The request an earlier call with the same Idempotency-Key made, answered again. */
  repeated?: true;
}

/** What such a request's file holds (it is no submission: a re-run asks again through the lease call). */
export function leaseRequestFile(type: string, name: string, leaseEnd: string) {
  return { lease: { type, name, leaseEnd } };
}

/** The lease a request file asks for, when it is a lease request's. */
export function leaseAskedIn(file: unknown): ReturnType<typeof leaseRequestFile>['lease'] | undefined {
  return file && typeof file === 'object' && 'lease' in file
    ? (file as ReturnType<typeof leaseRequestFile>).lease
    : undefined;
}

/**
 * Records the request that waits for the approval and starts its workflow in the background. With
 * an Idempotency-Key the caller used before for the same lease, nothing is recorded and that
 * request is answered again (`repeated`); used before for another lease end or resource, 422.
 */
export async function requestLeaseApproval(
  deps: ApiDeps,
  found: ResourceRecord,
  principal: Principal,
  leaseEnd: string,
  settings: Settings & { leaseApprovalGroup: string },
  idempotencyKey?: string,
): Promise<LeaseApprovalStarted> {
  const file = Buffer.from(JSON.stringify(leaseRequestFile(found.type, found.name, leaseEnd)));
  const answer = (requestId: string, traceId: string, repeated?: true): LeaseApprovalStarted => {
    const statusUrl = `${deps.publicUrl}/v1/requests/${requestId}`;
    return {
      requestId,
      traceId,
      status: 'received',
      leaseEnd,
      approvalGroup: settings.leaseApprovalGroup,
      links: {
        request: statusUrl,
        events: `${statusUrl}/events`,
        approve: `${statusUrl}/approve`,
        trace: `${deps.publicUrl}/v1/traces/${traceId}`,
      },
      ...(repeated ? { repeated } : {}),
    };
  };
  const earlier = async (requestId: string, bodySha256: string) => {
    if (bodySha256 !== sha256(file)) throw idempotencyKeyReused();
    return answer(requestId, found.traceId, true);
  };
  if (idempotencyKey) {
    const existing = await findIdempotent(deps.pool, principal.subject, idempotencyKey);
    if (existing) return earlier(existing.requestId, existing.bodySha256);
  }
  const traceId = found.traceId;
  const requestId = requestIdFrom(ulid());
  const workflowId = requestWorkflowId(traceId, requestId);
  const spec: LeaseRequestSpec = {
    name: found.name,
    leaseEnd,
    approvalGroups: [settings.leaseApprovalGroup],
    approvalTimeout: settings.leaseApprovalTimeout,
  };
  const statusUrl = `${deps.publicUrl}/v1/requests/${requestId}`;
  const input: RequestWorkflowInput = {
    traceId,
    requestId,
    requester: principal.subject,
    requesterRole: principal.role,
    requesterGroups: principal.groups,
    resources: [
      { type: found.type, action: 'lease', name: found.name, spec: { ...spec }, managed: found.managed },
    ],
    // Who asked and, when someone else asked for them (a group member, an admin), the owner.
    notify: [...new Set([principal.subject, found.owner])].filter((who) => who.includes('@')),
    fileUrl: `${statusUrl}/file`,
    statusUrl,
    temporalUrl: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    onFailure: 'compensate',
  };
  // No claim: a delete, another lease change or the lease's own end may come while it waits.
  const outcome = await insertRequest(deps.pool, {
    traceId,
    requestId,
    requester: principal.subject,
    workflowId,
    resourceTypes: [found.type],
    file,
    workflowInput: input,
    claims: [],
    idempotencyKey,
  });
  // The same key sent twice at once: the one that committed first made the request.
  if (!outcome.created) {
    const existing = await findIdempotent(deps.pool, principal.subject, idempotencyKey!);
    return earlier(existing!.requestId, existing!.bodySha256);
  }
  deps.starter.kick(requestId, input);
  return answer(requestId, traceId);
}
