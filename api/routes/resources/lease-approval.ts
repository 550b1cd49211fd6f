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
import { insertRequest } from '../requests/store';
import type { Settings } from '../admin/settings';

/** The 202 a lease change waiting for its approval answers: the request to follow. */
export interface LeaseApprovalStarted {
  requestId: string;
  traceId: string;
  status: 'received';
  leaseEnd: string;
  approvalGroup: string;
  links: { request: string; events: string; approve: string; trace: string };
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

/** Records the request that waits for the approval and starts its workflow in the background. */
export async function requestLeaseApproval(
  deps: ApiDeps,
  found: ResourceRecord,
  principal: Principal,
  leaseEnd: string,
  settings: Settings & { leaseApprovalGroup: string },
): Promise<LeaseApprovalStarted> {
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
    notify: principal.subject.includes('@') ? [principal.subject] : [],
    fileUrl: `${statusUrl}/file`,
    statusUrl,
    temporalUrl: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    onFailure: 'compensate',
  };
  // No claim: a delete, another lease change or the lease's own end may come while it waits.
  await insertRequest(deps.pool, {
    traceId,
    requestId,
    requester: principal.subject,
    workflowId,
    resourceTypes: [found.type],
    file: Buffer.from(JSON.stringify(leaseRequestFile(found.type, found.name, leaseEnd))),
    workflowInput: input,
    claims: [],
  });
  deps.starter.kick(requestId, input);
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
  };
}
