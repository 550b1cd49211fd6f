/**
 * `requestWorkflow`: one per request. Records each status change in the ledger and on the
 * RequestStatus search attribute, tells people the request was received, runs each resource's
 * template as a child workflow (a bounded number at once), and tells them how it ended. The
 * workflow ID is `<traceId>/<requestId>`; each resource's template runs as
 * `<traceId>/<requestId>/<template>[<resource name>]`.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LedgerActivities } from '../activities/ledger';
import type { sendEmail } from '../activities/email/send-email';
import type { TaskActivities } from '../activities/task';
import type { TemplateActivities } from '../activities/templates';
import { childWorkflowId } from '../common/ids';
import { finishedNotice, receivedNotice, type Notice } from '../common/notices';
import {
  templateFor,
  type RequestedResource,
  type RequestProgress,
  type RequestStatus,
  type RequestWorkflowInput,
  type ResourceOutcome,
} from '../common/request';
import { RequestStatus as RequestStatusAttribute, traceSearchAttributes } from '../common/search-attributes';
import { timeoutProfiles } from '../common/tasks';
import { TEMPLATE_FAILED, type TemplatePlan, type TemplateResult } from '../common/template';
import { templateInterpreter } from './template';

/** The request's status and every resource's outcome so far. */
export const statusQuery = defineQuery<RequestProgress>('status');

/** Resources built at once when the request does not say; end-system queues cap their own load too. */
export const DEFAULT_RESOURCE_CONCURRENCY = 10;

const { 'ledger:record-status': recordStatus, 'templates:resolve-plan': resolvePlan } = proxyActivities<
  LedgerActivities & TemplateActivities
>({ ...timeoutProfiles.short, retry: { maximumInterval: '30 seconds' } });

// A notice that cannot be sent after a few tries must not fail the request it is about.
const { 'email:send-email': sendEmailActivity } = proxyActivities<TaskActivities<typeof sendEmail>>({
  ...timeoutProfiles.short,
  retry: { maximumAttempts: 5 },
});

export async function requestWorkflow(input: RequestWorkflowInput): Promise<RequestProgress> {
  const workflowId = workflowInfo().workflowId;
  const state: RequestProgress = {
    traceId: input.traceId,
    requestId: input.requestId,
    status: 'received',
    resources: input.resources.map((r) => {
      const template = templateFor(r);
      return {
        name: r.name,
        type: r.type,
        action: r.action,
        template,
        workflowId: childWorkflowId(workflowId, template, r.name),
        state: 'pending',
      };
    }),
  };
  setHandler(statusQuery, () => state);

  const setStatus = async (status: RequestStatus): Promise<void> => {
    state.status = status;
    upsertSearchAttributes([{ key: RequestStatusAttribute, value: status }]);
    await recordStatus({
      requestId: input.requestId,
      traceId: input.traceId,
      requester: input.requester,
      workflowId,
      status,
      outcome: status === 'running' ? undefined : { resources: state.resources.map(summarise) },
    });
  };

  await setStatus('running');
  await tell(input, receivedNotice(input, input.statusUrl));

  try {
    const plans = await resolvePlans(state.resources.map((r) => r.template));
    await runBounded(input.resources, input.concurrency ?? DEFAULT_RESOURCE_CONCURRENCY, (resource, i) =>
      buildResource(input, resource, state.resources[i]!, plans),
    );
  } catch (err) {
    if (!isCancellation(err)) {
      // Nothing could start (a template missing from the workers' library, say): every resource
      // not yet decided failed for that reason, and the request ends failed like any other.
      const error = { message: failureMessage(err) };
      for (const r of state.resources)
        if (r.state === 'pending' || r.state === 'running') Object.assign(r, { state: 'failed', error });
      await setStatus('failed');
      await tell(input, finishedNotice(input, state, input.statusUrl));
      return state;
    }
    // Cancelled: the children were cancelled with us and ran their own undo steps.
    for (const r of state.resources)
      if (r.state === 'pending' || r.state === 'running') r.state = 'cancelled';
    await CancellationScope.nonCancellable(async () => {
      await setStatus('cancelled');
      await tell(input, finishedNotice(input, state, input.statusUrl));
    });
    throw err;
  }

  await setStatus(state.resources.every((r) => r.state === 'succeeded') ? 'succeeded' : 'failed');
  await tell(input, finishedNotice(input, state, input.statusUrl));
  return state;
}

/** One plan per distinct template, resolved once (the exact content then travels in history). */
async function resolvePlans(templates: string[]): Promise<Map<string, TemplatePlan>> {
  const names = [...new Set(templates)];
  const plans = await Promise.all(names.map((name) => resolvePlan({ name })));
  return new Map(names.map((name, i) => [name, plans[i]!]));
}

async function buildResource(
  input: RequestWorkflowInput,
  resource: RequestedResource,
  outcome: ResourceOutcome,
  plans: Map<string, TemplatePlan>,
): Promise<void> {
  outcome.state = 'running';
  try {
    const result = await executeChild(templateInterpreter, {
      workflowId: outcome.workflowId,
      args: [
        {
          plan: plans.get(outcome.template)!,
          input: {
            traceId: input.traceId,
            requestId: input.requestId,
            requester: input.requester,
            name: resource.name,
            resource: resource.spec,
          },
          trace: {
            traceId: input.traceId,
            requestId: input.requestId,
            requester: input.requester,
            resourceType: resource.type,
            templateName: outcome.template,
          },
        },
      ],
      typedSearchAttributes: traceSearchAttributes({
        traceId: input.traceId,
        requestId: input.requestId,
        requester: input.requester,
        resourceType: resource.type,
        templateName: outcome.template,
      }),
    });
    outcome.state = 'succeeded';
    outcome.output = result.output;
  } catch (err) {
    if (isCancellation(err)) throw err;
    outcome.state = 'failed';
    const failed = templateResultOf(err);
    outcome.error = failed?.error ?? { message: err instanceof Error ? err.message : String(err) };
    if (failed?.compensations.length) {
      outcome.compensated = failed.compensations.map((c) =>
        c.itemKey ? `${c.stepId}[${c.itemKey}]` : c.stepId,
      );
    }
  }
}

/** The innermost message of a failure chain: what went wrong, not where it was wrapped. */
function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && (e as { cause?: unknown }).cause instanceof Error)
    e = (e as { cause?: unknown }).cause;
  return e instanceof Error ? e.message : String(e);
}

/** The TemplateResult a failed interpreter child carries in its failure details. */
function templateResultOf(err: unknown): TemplateResult | undefined {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === TEMPLATE_FAILED) {
    return cause.details?.[0] as TemplateResult | undefined;
  }
  return undefined;
}

/** Runs `fn` over `items`, at most `limit` at once, in order of the list. */
async function runBounded<T>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
}

/** What the ledger keeps of a resource's outcome (no template progress: that is in Temporal). */
function summarise(r: ResourceOutcome): ResourceOutcome {
  const { name, type, action, template, workflowId, state, output, error, compensated } = r;
  return { name, type, action, template, workflowId, state, output, error, compensated };
}

/** Sends a notice to the people the request names; one that fails after its retries is logged, not fatal. */
async function tell(input: RequestWorkflowInput, notice: Notice): Promise<void> {
  if (input.notify.length === 0) return;
  try {
    await sendEmailActivity({ to: input.notify, subject: notice.subject, text: notice.text });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('notice not sent', { error: err instanceof Error ? err.message : String(err) });
  }
}
