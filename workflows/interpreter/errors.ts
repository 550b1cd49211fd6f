/** How failures inside a template run are summarised for the progress query and the result. */
import { ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import { TEMPLATE_FAILED, type StepError, type TemplateResult } from '../../common/template';

/**
 * The innermost cause's message and type, and the external ID, system and upstream message the
 * taxonomy's details carry; for a failed sub-template, those of the error that failed it.
 */
export function describeError(err: unknown): StepError {
  let inner: unknown = err;
  while (inner instanceof TemporalFailure && inner.cause) inner = inner.cause;
  const out: StepError = { message: messageOf(inner) };
  if (inner instanceof ApplicationFailure && inner.type === TEMPLATE_FAILED) {
    // A sub-template's failure: its message names the step, its details carry the root error.
    const child = (inner.details?.[0] as TemplateResult | undefined)?.error;
    if (child?.type) out.type = child.type;
    if (child?.externalId) out.externalId = child.externalId;
    if (child?.system) out.system = child.system;
    if (child?.upstreamMessage) out.upstreamMessage = child.upstreamMessage;
  } else if (inner instanceof ApplicationFailure) {
    if (inner.type) out.type = inner.type;
    const details = inner.details?.[0] as
      { externalId?: unknown; system?: unknown; upstreamMessage?: unknown } | undefined;
    if (details && typeof details.externalId === 'string') out.externalId = details.externalId;
    if (details && typeof details.system === 'string') out.system = details.system;
    if (details && typeof details.upstreamMessage === 'string') out.upstreamMessage = details.upstreamMessage;
  } else if (inner instanceof TemporalFailure) {
    out.type = inner.name;
  }
  return out;
}

/** The TemplateResult a failed interpreter child carries in its failure details. */
export function templateResultOf(err: unknown): TemplateResult | undefined {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === TEMPLATE_FAILED) {
    return cause.details?.[0] as TemplateResult | undefined;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  // JSONata throws plain objects with a message and a code.
  if (err && typeof err === 'object' && 'message' in err)
    return String((err as { message: unknown }).message);
  return String(err);
}

/** Wraps an expression error as a non-retryable InvalidInput failure naming the place. */
export function expressionFailure(where: string, err: unknown): ApplicationFailure {
  const e = err as { code?: string };
  return ApplicationFailure.create({
    type: 'InvalidInput',
    nonRetryable: true,
    message: `${where}: ${messageOf(err)}${e && typeof e === 'object' && e.code ? ` (${e.code})` : ''}`,
    details: [{ system: 'template', call: where }],
  });
}
