/**
 * The one error taxonomy. Every end-system answer and every input problem maps to one of these
 * failure types, carried as an ApplicationFailure so Temporal's retry policy, the workflows and
 * the API all read the same thing. The API maps the same types to HTTP codes.
 */
import { ApplicationFailure } from '@temporalio/common';

/** Every failure type with its retryability and the HTTP status the API answers for it. */
export const failureTypes = {
  /** The input is wrong (schema violation, 400/422 from an end system): not retried. */
  InvalidInput: { retryable: false, httpStatus: 400 },
  /** Credentials refused even after re-authenticating once: not retried. */
  Unauthorized: { retryable: false, httpStatus: 401 },
  Forbidden: { retryable: false, httpStatus: 403 },
  NotFound: { retryable: false, httpStatus: 404 },
  /** A conflicting change is in progress upstream: retried. */
  Conflict: { retryable: true, httpStatus: 409 },
  /** The object is locked (a TFE workspace, for instance): retried. */
  Locked: { retryable: true, httpStatus: 423 },
  /** 429: retried after the delay the upstream asked for. */
  RateLimited: { retryable: true, httpStatus: 429 },
  /** 5xx, timeouts, dropped connections: retried with backoff. */
  UpstreamUnavailable: { retryable: true, httpStatus: 503 },
  /**
   * The worker cannot talk to an end system as configured (TLS trust refused, malformed URL):
   * retrying cannot help until an operator fixes the configuration.
   */
  Misconfigured: { retryable: false, httpStatus: 502 },
  /** An AWX job ended failed, errored or canceled: not retried; details carry the job ID. */
  JobFailed: { retryable: false, httpStatus: 422 },
  /** A TFE run ended errored, discarded or canceled: not retried; details carry the run ID. */
  RunErrored: { retryable: false, httpStatus: 422 },
  /** A TFE policy check failed: not retried. */
  PolicyFailed: { retryable: false, httpStatus: 422 },
  /** A task's handler answered outside its declared output schema: a bug, not retried. */
  InvalidOutput: { retryable: false, httpStatus: 502 },
  /** A template ended failed; its details carry the TemplateResult (what failed, what was undone): not retried. */
  TemplateFailed: { retryable: false, httpStatus: 422 },
  /** An approval was rejected or timed out: not retried. */
  ApprovalDenied: { retryable: false, httpStatus: 409 },
  /** What a request was planned (and approved) with is no longer what would run (docs/plan-preview.md). */
  PlanChanged: { retryable: false, httpStatus: 409 },
} as const satisfies Record<string, { retryable: boolean; httpStatus: number }>;

/** A failure type name, also the ApplicationFailure `type`. */
export type FailureType = keyof typeof failureTypes;

/** The failure types a retry policy must never retry. */
export const nonRetryableFailureTypes: FailureType[] = (Object.keys(failureTypes) as FailureType[]).filter(
  (t) => !failureTypes[t].retryable,
);

/** What a failure says about where it came from, beyond its message. */
export interface FailureDetails {
  /** The end system or component: awx, tfe, vcenter, aci, smtp, git, template, … */
  system: string;
  /** The call or task that failed, e.g. `awx:launch-job-template`. */
  call: string;
  httpStatus?: number;
  /** The upstream's own message, verbatim (credentials scrubbed). */
  upstreamMessage?: string;
  /** The upstream's own error code: vCenter `error_type`, ACI `code`, TFE error title, … */
  upstreamCode?: string;
  /** How long the upstream asked us to wait before trying again (429 `Retry-After`). */
  retryAfterMs?: number;
  /** Field paths for input problems, e.g. `input.cpu`. */
  fields?: { path: string; message: string }[];
  /** An upstream object the failure is about (AWX job ID, TFE run ID, …). */
  externalId?: string;
}

/** Builds the ApplicationFailure for `type`; retryability follows the taxonomy. */
export function failure(
  type: FailureType,
  message: string,
  details: FailureDetails,
  opts: { nextRetryDelayMs?: number; cause?: Error } = {},
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !failureTypes[type].retryable,
    details: [details],
    nextRetryDelay: opts.nextRetryDelayMs,
    cause: opts.cause,
  });
}
