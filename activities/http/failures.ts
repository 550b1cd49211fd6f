/**
 * Maps an end system's HTTP answer (or the lack of one) to the project's error taxonomy. The
 * mapping is the same for every system; what differs — where the upstream puts its message and
 * code, and the odd status that means something else there — comes from the client through
 * `UpstreamError`.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { failure, type FailureType } from '../../common/errors';

/** The part of a response's headers the mapping reads (global and undici `Headers` both fit). */
export interface HeaderReader {
  get(name: string): string | null;
  has(name: string): boolean;
}

/** What a system-specific parser found in an error body. */
export interface UpstreamError {
  /** The upstream's own words, e.g. AWX `detail`, TFE `title: detail`, ACI `text`. */
  message: string;
  /** The upstream's own code: vCenter `error_type`, ACI `code`. */
  code?: string;
  /** Overrides the status-based type when the system's code says more (vCenter RESOURCE_BUSY). */
  type?: FailureType;
}

/**
 * An error body no system parser recognised, as words: proxies and web servers in front of an
 * end system answer with HTML pages, whose markup would drown the message.
 */
export function plainTextError(text: string): UpstreamError {
  return {
    message: text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 500),
  };
}

/** Where a failure happened, for its message and details. */
export interface CallSite {
  system: string;
  /** The client method, e.g. `launchJobTemplate`. */
  call: string;
  /** `POST /api/v2/job_templates/7/launch/`, already scrubbed. */
  request: string;
}

/** The type an HTTP status means when the call has not claimed that status for itself. */
export function failureTypeForStatus(status: number): FailureType {
  if (status === 400 || status === 422) return 'InvalidInput';
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === 423) return 'Locked';
  if (status === 429) return 'RateLimited';
  if (status === 408 || status >= 500) return 'UpstreamUnavailable';
  // 405, 410, 413, 415 …: the request itself is wrong for this endpoint; retrying cannot help.
  return 'InvalidInput';
}

/**
 * The delay a 429 (or 503) asks for: `Retry-After` in seconds or as an HTTP date, else TFE's
 * `X-RateLimit-Reset` (seconds, fractional, until the window resets).
 */
export function retryDelayMs(headers: HeaderReader, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset) && reset >= 0)
    return Math.ceil(reset * 1000);
  return undefined;
}

/** The failure for an HTTP answer the call does not handle itself. */
export function httpFailure(
  site: CallSite,
  status: number,
  upstream: UpstreamError,
  headers: HeaderReader,
  typeOverride?: FailureType,
): ApplicationFailure {
  const type = typeOverride ?? upstream.type ?? failureTypeForStatus(status);
  const delay = type === 'RateLimited' || status === 503 ? retryDelayMs(headers) : undefined;
  const code = upstream.code ? ` [${upstream.code}]` : '';
  const wait = delay !== undefined ? ` (retry after ${delay} ms)` : '';
  const message = `${site.system} ${site.call}: ${site.request} answered ${status}${code}: ${upstream.message}${wait}`;
  return failure(
    type,
    message,
    {
      system: site.system,
      call: site.call,
      httpStatus: status,
      upstreamMessage: upstream.message,
      ...(upstream.code ? { upstreamCode: upstream.code } : {}),
      ...(delay !== undefined ? { retryAfterMs: delay } : {}),
    },
    { nextRetryDelayMs: delay },
  );
}

/** TLS verification failures: only an operator (CA file, host name) can fix these. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The failure for a request that got no HTTP answer: refused, reset, timed out, TLS refused. */
export function transportFailure(
  site: CallSite,
  err: unknown,
  timeoutMs: number,
  timedOut: boolean,
): ApplicationFailure {
  const code = errorCode(err);
  if (timedOut) {
    return failure(
      'UpstreamUnavailable',
      `${site.system} ${site.call}: ${site.request} got no answer within ${timeoutMs} ms`,
      {
        system: site.system,
        call: site.call,
        upstreamCode: 'TIMEOUT',
      },
    );
  }
  if (code && TLS_CODES.has(code)) {
    return failure(
      'Misconfigured',
      `${site.system} ${site.call}: ${site.request} refused the server's TLS certificate (${code}); ` +
        `set the system's CA file, or the insecure flag in a lab`,
      { system: site.system, call: site.call, upstreamCode: code },
    );
  }
  return failure(
    'UpstreamUnavailable',
    `${site.system} ${site.call}: ${site.request} failed without an answer (${code ?? 'network error'})`,
    { system: site.system, call: site.call, ...(code ? { upstreamCode: code } : {}) },
  );
}
