/**
 * The custom search attributes every workflow of a request's tree carries, so the Web UI and
 * `temporal workflow list --query "TraceId='…'"` show the whole tree. They are registered on the
 * server by the launcher and the test harness from temporal-dev.yaml; this file is their typed
 * view for workflow and client code. Search attributes are never encoded: no secrets, no PII.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const TraceId = defineSearchAttributeKey('TraceId', SearchAttributeType.KEYWORD);
export const RequestId = defineSearchAttributeKey('RequestId', SearchAttributeType.KEYWORD);
export const ResourceType = defineSearchAttributeKey('ResourceType', SearchAttributeType.KEYWORD);
export const Requester = defineSearchAttributeKey('Requester', SearchAttributeType.KEYWORD);
export const TemplateName = defineSearchAttributeKey('TemplateName', SearchAttributeType.KEYWORD);
export const RequestStatus = defineSearchAttributeKey('RequestStatus', SearchAttributeType.KEYWORD);
/**
 * The groups that may decide the approval steps a template workflow waits at now; absent when none
 * waits. `ApprovalGroups = 'capacity'` lists what the capacity team has to decide, and the API's
 * approvals-waiting gauge counts by it.
 */
export const ApprovalGroups = defineSearchAttributeKey('ApprovalGroups', SearchAttributeType.KEYWORD_LIST);

/** Every custom key, by name, as temporal-dev.yaml must declare them. */
export const customSearchAttributes = {
  TraceId,
  RequestId,
  ResourceType,
  Requester,
  TemplateName,
  RequestStatus,
  ApprovalGroups,
} as const;

/** The trace context a workflow passes to each child so the whole tree is searchable. */
export interface TraceContext {
  traceId: string;
  requestId: string;
  resourceType?: string;
  requester?: string;
  templateName?: string;
}

/** Search attribute pairs for a workflow start (children do not inherit their parent's). */
export function traceSearchAttributes(ctx: TraceContext): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: TraceId, value: ctx.traceId },
    { key: RequestId, value: ctx.requestId },
  ];
  if (ctx.resourceType) pairs.push({ key: ResourceType, value: ctx.resourceType });
  if (ctx.requester) pairs.push({ key: Requester, value: ctx.requester });
  if (ctx.templateName) pairs.push({ key: TemplateName, value: ctx.templateName });
  return pairs;
}
