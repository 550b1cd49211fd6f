/**
 * Identity and lineage: a trace ID and a request ID (both ULID-based, so they sort by time), and
 * workflow IDs built from them so that every workflow ID in a request's tree starts with its
 * trace ID: `<traceId>/<requestId>`, `<traceId>/<requestId>/<template>`, `…/<stepId>[<item>]`.
 */

/** Temporal's limit on a workflow ID; a deep fan-out must stay under it. */
export const MAX_WORKFLOW_ID_LENGTH = 1000;

const TRACE_PREFIX = 'trc_';
const REQUEST_PREFIX = 'req_';
const ULID_PATTERN = '[0-9A-HJKMNP-TV-Z]{26}';

export const traceIdPattern = new RegExp(`^${TRACE_PREFIX}${ULID_PATTERN}$`);
export const requestIdPattern = new RegExp(`^${REQUEST_PREFIX}${ULID_PATTERN}$`);

/** Builds a trace ID from a ULID made by the caller (the API, or a workflow's deterministic source). */
export function traceIdFrom(ulid: string): string {
  return `${TRACE_PREFIX}${ulid}`;
}

/** Builds a request ID from a ULID made by the caller. */
export function requestIdFrom(ulid: string): string {
  return `${REQUEST_PREFIX}${ulid}`;
}

/** The workflow ID of a request: the root of its tree under the trace. */
export function requestWorkflowId(traceId: string, requestId: string): string {
  return `${traceId}/${requestId}`;
}

/** Characters a path segment of a workflow ID may not carry: the separators of the lineage. */
const SEGMENT_UNSAFE = /[/[\]\s]/g;

/** The workflow ID of a child: the parent's ID, a slash, the segment, and the fan-out key if any. */
export function childWorkflowId(parentId: string, segment: string, itemKey?: string): string {
  const safe = segment.replace(SEGMENT_UNSAFE, '_');
  const id =
    itemKey === undefined
      ? `${parentId}/${safe}`
      : `${parentId}/${safe}[${itemKey.replace(SEGMENT_UNSAFE, '_')}]`;
  if (id.length > MAX_WORKFLOW_ID_LENGTH) {
    throw new RangeError(
      `workflow ID would exceed ${MAX_WORKFLOW_ID_LENGTH} characters: ${id.slice(0, 80)}…`,
    );
  }
  return id;
}

/** The trace ID at the root of a workflow ID built by this module. */
export function traceIdOf(workflowId: string): string {
  const slash = workflowId.indexOf('/');
  return slash < 0 ? workflowId : workflowId.slice(0, slash);
}

/** The trace and request IDs a workflow ID of a request's tree starts with; none for other workflows. */
export function requestIdsOf(workflowId: string): { traceId: string; requestId: string } | undefined {
  const [traceId, requestId] = workflowId.split('/', 2);
  return traceId && requestId && traceIdPattern.test(traceId) && requestIdPattern.test(requestId)
    ? { traceId, requestId }
    : undefined;
}
