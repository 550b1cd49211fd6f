/**
 * The e-mails about a request: "received" with its details, and the outcome ("ready" with what was
 * built, or "failed" with why and how to re-run). Pure text rendering, run in workflow code.
 */
import type { RequestProgress, RequestWorkflowInput, ResourceOutcome } from './request';

export interface Notice {
  subject: string;
  text: string;
}

function describeResource(r: RequestWorkflowInput['resources'][number]): string {
  const spec = Object.entries(r.spec)
    .filter(([k]) => k !== 'name' && k !== 'notify')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  return `  - ${r.action} ${r.type} ${r.name}${spec ? ` (${spec})` : ''}`;
}

/** The notice sent when the request starts. */
export function receivedNotice(input: RequestWorkflowInput, statusUrl: string): Notice {
  return {
    subject: `Request ${input.requestId} received (${input.resources.length} resource${input.resources.length === 1 ? '' : 's'})`,
    text: [
      `Your request ${input.requestId} was received from ${input.requester} and is being worked on.`,
      '',
      'Resources:',
      ...input.resources.map(describeResource),
      '',
      `Status: ${statusUrl}`,
      `Trace ID: ${input.traceId}`,
    ].join('\n'),
  };
}

function describeOutcome(r: ResourceOutcome): string {
  if (r.state === 'succeeded') return `  - ${r.name}: done${r.output ? ` ${JSON.stringify(r.output)}` : ''}`;
  if (r.state === 'failed') {
    const where = r.error?.stepId ? ` at step ${r.error.stepId}` : '';
    const undone = r.compensated?.length ? `; undone: ${r.compensated.join(', ')}` : '';
    return `  - ${r.name}: FAILED${where}: ${r.error?.message ?? 'unknown error'}${undone}`;
  }
  return `  - ${r.name}: ${r.state}`;
}

/** The notice sent when the request has ended, whatever the outcome. */
export function finishedNotice(
  input: RequestWorkflowInput,
  progress: RequestProgress,
  statusUrl: string,
): Notice {
  const headline =
    progress.status === 'succeeded'
      ? `Request ${input.requestId} is ready`
      : progress.status === 'cancelled'
        ? `Request ${input.requestId} was cancelled`
        : `Request ${input.requestId} failed`;
  const rerun =
    progress.status === 'failed'
      ? [
          '',
          'To try again once the cause is fixed, re-run it (same trace ID, new request ID):',
          `  POST ${statusUrl}/rerun`,
        ]
      : [];
  return {
    subject: headline,
    text: [
      `${headline}.`,
      '',
      ...progress.resources.map(describeOutcome),
      ...rerun,
      '',
      `Status: ${statusUrl}`,
      `Trace ID: ${input.traceId}`,
    ].join('\n'),
  };
}

/** What a lease notice is about. */
export interface LeaseNoticeSubject {
  type: string;
  name: string;
  traceId: string;
  leaseEnd: string;
  /** The resource in the inventory (`GET /v1/resources/{type}/{name}`). */
  resourceUrl: string;
}

/** The reminder sent `before` (as the admin wrote it, `7 days`) a lease ends. */
export function leaseReminderNotice(r: LeaseNoticeSubject, before: string): Notice {
  return {
    subject: `Lease of ${r.type} ${r.name} ends ${r.leaseEnd} (in about ${before})`,
    text: [
      `The lease of ${r.type} ${r.name} ends at ${r.leaseEnd}. Then it is removed the way it was built.`,
      '',
      'To keep it longer, extend its lease:',
      `  POST ${r.resourceUrl}/lease  {"leaseEnd": "<a later ISO 8601 time>"}`,
      '',
      `Resource: ${r.resourceUrl}`,
      `Trace ID: ${r.traceId}`,
    ].join('\n'),
  };
}

/** The notice sent when a lease has ended: the removal starts at `removalAt` unless extended. */
export function leaseEndedNotice(r: LeaseNoticeSubject, removalAt: string): Notice {
  return {
    subject: `Lease of ${r.type} ${r.name} has ended; removal at ${removalAt}`,
    text: [
      `The lease of ${r.type} ${r.name} ended at ${r.leaseEnd}. It will be removed at ${removalAt}`,
      'unless its lease is extended before then:',
      `  POST ${r.resourceUrl}/lease  {"leaseEnd": "<a later ISO 8601 time>"}`,
      '',
      `Resource: ${r.resourceUrl}`,
      `Trace ID: ${r.traceId}`,
    ].join('\n'),
  };
}
