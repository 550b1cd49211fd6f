/**
 * The one HTTP layer under every end-system client: fetch over a keep-alive undici Agent (one per
 * system, carrying that system's TLS trust), a timeout per request, the activity's abort signal,
 * JSON and JSON:API bodies, one re-authentication on a refused credential, a rate limit (429)
 * waited out for the delay the upstream asks, and every answer mapped to the error taxonomy with
 * credentials scrubbed from what the failure says.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Agent, fetch, type Dispatcher } from 'undici';
import {
  httpFailure,
  plainTextError,
  retryDelayMs,
  transportFailure,
  type CallSite,
  type HeaderReader,
  type UpstreamError,
} from './failures';
import { scrubSecrets, truncate } from './scrub';
import {
  endSystemCallDuration,
  endSystemCallsTotal,
  secondsSince,
  statusClass,
} from '../../platform/metrics';

/** TLS trust for one end system: a private CA, or (labs only) no verification at all. */
export interface TlsOptions {
  /** PEM file with the CA(s) that signed the system's certificate. */
  caFile?: string;
  /** Accept any certificate. For lab systems with self-signed certificates only. */
  insecure?: boolean;
}

/**
 * How a client proves who it is. Bearer-token systems (AWX, TFE) re-read their token on a
 * refusal, so a rotated secret is picked up without a restart; session systems (vCenter, ACI)
 * log in again.
 */
export interface Authenticator {
  /** Headers that authenticate the next request; logs in first when there is no session yet. */
  headers(signal: AbortSignal): Promise<Record<string, string>>;
  /**
   * Called once after the upstream refused `refused` (the headers that were sent): drop that
   * session and obtain a new one. Concurrent callers refused with the same session share one
   * log-in.
   */
  reauthenticate(signal: AbortSignal, refused: Record<string, string>): Promise<void>;
  /** Whether an answer refuses the credentials; default 401. ACI answers 403 to an expired token. */
  isRefusal?(status: number, upstream: UpstreamError): boolean;
  /** The secret values in use now (token, password, session id), scrubbed from every message. */
  secrets(): string[];
}

/** One end system's HTTP settings. */
export interface HttpClientOptions {
  /** `awx`, `tfe`, `vcenter`, `aci`: names the system in failures. */
  system: string;
  /** Base URL every relative path is joined to, e.g. `https://awx.example.com/api/v2`. */
  baseUrl: string;
  timeoutMs: number;
  tls?: TlsOptions;
  auth?: Authenticator;
  /** Content type of JSON request bodies: `application/json`, or JSON:API's media type for TFE. */
  jsonContentType?: string;
  /**
   * Requests this process sends per second at most, spaced evenly: kept below the upstream's own
   * limit, a burst of requests waits its turn instead of provoking 429s. Absent: not paced.
   */
  maxRequestsPerSecond?: number;
  /** How long a call waits out 429s before failing RateLimited; RATE_LIMIT_PATIENCE_MS unless set. */
  rateLimitPatienceMs?: number;
  /**
   * Finds the upstream's message and code in an error body (parsed JSON, or raw text); undefined
   * when the body is not in the system's error format, and then its words are kept as the message.
   */
  parseError(body: unknown, text: string, status: number): UpstreamError | undefined;
}

type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

/** One request, named for failures by its `call`. */
export interface HttpRequest {
  /** The client method, e.g. `launchJobTemplate`; named in failures. */
  call: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the base URL (`/job_templates/7/launch/`), or absolute (a TFE upload URL). */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON with the client's JSON content type. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  body?: Uint8Array | string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Statuses the call interprets itself (404 on a lookup, 409 on an action); returned, not thrown. */
  handle?: readonly number[];
  /** False for URLs that carry their own secret and must not receive our credentials. */
  authenticate?: boolean;
  /** How the request is named in failures when its URL itself is a secret. */
  describeAs?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** An answer a call receives (2xx, or a status it claimed with `handle`). */
export interface HttpResponse<T = unknown> {
  status: number;
  headers: HeaderReader;
  /** Parsed JSON when the answer is JSON, the text otherwise, undefined when empty. */
  body: T;
  text: string;
  /** How failures name the request (`GET /api/v2/jobs/7/`), scrubbed. */
  request: string;
}

function buildAgent(tls: TlsOptions | undefined): Dispatcher {
  return new Agent({
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: {
      ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
      rejectUnauthorized: !tls?.insecure,
    },
  });
}

/**
 * How long one call waits out an upstream's 429s before its attempt fails RateLimited: well below
 * the short timeout profile's 30 s start-to-close. A refused request was not acted on, so sending it
 * again is safe; past this, Temporal retries the attempt after the delay the upstream asked.
 */
export const RATE_LIMIT_PATIENCE_MS = 10_000;

/** The pause after a 429 that names no delay. */
const RATE_LIMIT_DEFAULT_PAUSE_MS = 1_000;

/** Spaces requests `1 / perSecond` apart: each takes the next free turn and waits for it. */
class Pacer {
  private nextTurn = 0;
  private readonly gapMs: number;

  constructor(perSecond: number) {
    this.gapMs = 1000 / perSecond;
  }

  async turn(signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextTurn);
    this.nextTurn = at + this.gapMs;
    if (at > now) await sleep(at - now, signal);
  }
}

/** What a call got to: the request as failures name it (scrubbed), and the last status. */
interface Seen {
  request?: string;
  status?: number;
}

/** The running activity's logger (its lines carry the workflow ID), or none outside an activity. */
function activityLog(): Context['log'] | undefined {
  try {
    return Context.current().log;
  } catch {
    return undefined;
  }
}

/** A shared HTTP client for one end system; safe for concurrent activities. */
export class HttpClient {
  readonly system: string;
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly pacer: Pacer | undefined;

  constructor(private readonly opts: HttpClientOptions) {
    this.system = opts.system;
    this.pacer = opts.maxRequestsPerSecond ? new Pacer(opts.maxRequestsPerSecond) : undefined;
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    this.dispatcher = buildAgent(opts.tls);
  }

  /** The base URL without credentials, for outputs and links. */
  get baseUrl(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  /** Scrubs the credentials this client knows (and credential shapes) from `text`. */
  scrub(text: string): string {
    return scrubSecrets(text, this.opts.auth?.secrets() ?? []);
  }

  /** Closes the keep-alive connections (worker shutdown, tests). */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * Sends one request; non-2xx answers not in `handle` become taxonomy failures. Counted in the
   * end-system metrics by its call, last status class and failure type, and logged to the calling
   * activity's log (so to its request's log bundle) with the method, scrubbed path, status and
   * duration.
   */
  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const started = process.hrtime.bigint();
    const seen: Seen = {};
    try {
      const response = await this.attempt<T>(req, seen);
      this.count(req, started, seen, 'none');
      return response;
    } catch (err) {
      // The taxonomy's failure type, or the error's class (CancelledFailure) for what is not ours.
      const type = err instanceof ApplicationFailure ? err.type : (err as Error | undefined)?.name;
      this.count(req, started, seen, type ?? 'Error');
      throw err;
    }
  }

  private count(req: HttpRequest, started: bigint, seen: Seen, errorType: string): void {
    const labels = { system: this.system, call: req.call };
    const seconds = secondsSince(started);
    endSystemCallDuration.observe(labels, seconds);
    endSystemCallsTotal.inc({ ...labels, status_class: statusClass(seen.status), error_type: errorType });
    const log = activityLog();
    if (!log) return;
    const fields = {
      system: this.system,
      call: req.call,
      request: seen.request ?? `${req.method} (not sent)`,
      status: seen.status ?? null,
      durationMs: Math.round(seconds * 1000),
      ...(errorType === 'none' ? {} : { errorType }),
    };
    if (errorType === 'none') log.info('end-system call', fields);
    else log.warn('end-system call failed', fields);
  }

  private async attempt<T>(req: HttpRequest, seen: Seen): Promise<HttpResponse<T>> {
    const url = this.url(req);
    const site: CallSite = {
      system: this.system,
      call: req.call,
      request: req.describeAs ?? this.scrub(`${req.method} ${url.pathname}${url.search}`),
    };
    seen.request = site.request;
    const signal = req.signal ?? new AbortController().signal;
    const authenticate = req.authenticate !== false && this.opts.auth !== undefined;

    const patientUntil = Date.now() + (this.opts.rateLimitPatienceMs ?? RATE_LIMIT_PATIENCE_MS);
    let answer = await this.send<T>(req, url, site, signal, authenticate);
    while (answer.response.status === 429 && !req.handle?.includes(429)) {
      const pause = retryDelayMs(answer.response.headers) ?? RATE_LIMIT_DEFAULT_PAUSE_MS;
      if (Date.now() + pause > patientUntil) break;
      await sleep(pause, signal);
      answer = await this.send<T>(req, url, site, signal, authenticate);
    }
    seen.status = answer.response.status;
    if (authenticate && this.isRefusal(answer.response)) {
      await this.opts.auth!.reauthenticate(signal, answer.sentAuth);
      answer = await this.send<T>(req, url, site, signal, authenticate);
      seen.status = answer.response.status;
      if (this.isRefusal(answer.response)) {
        const upstream = this.upstreamError(answer.response);
        throw httpFailure(
          site,
          answer.response.status,
          { ...upstream, message: `${upstream.message} (refused again after re-authenticating)` },
          answer.response.headers,
          'Unauthorized',
        );
      }
    }
    const { response } = answer;
    if ((response.status >= 200 && response.status < 300) || req.handle?.includes(response.status)) {
      return response;
    }
    throw httpFailure(site, response.status, this.upstreamError(response), response.headers);
  }

  /** The failure for a handled answer that the call decided is an error after all. */
  fail(call: string, response: HttpResponse<unknown>): ApplicationFailure {
    return httpFailure(
      { system: this.system, call, request: response.request },
      response.status,
      this.upstreamError(response),
      response.headers,
    );
  }

  /** The parsed error of a handled non-2xx answer, scrubbed, for calls that decide for themselves. */
  upstreamError(response: HttpResponse<unknown>): UpstreamError {
    const parsed = this.parsedError(response);
    return { ...parsed, message: truncate(this.scrub(parsed.message || `HTTP ${response.status}`)) };
  }

  private isRefusal(response: HttpResponse<unknown>): boolean {
    const auth = this.opts.auth!;
    if (auth.isRefusal) return auth.isRefusal(response.status, this.parsedError(response));
    return response.status === 401;
  }

  private parsedError(response: HttpResponse<unknown>): UpstreamError {
    return (
      this.opts.parseError(response.body, response.text, response.status) ?? plainTextError(response.text)
    );
  }

  private url(req: HttpRequest): URL {
    const url = /^https?:\/\//.test(req.path)
      ? new URL(req.path)
      : req.path.startsWith('/') && this.base.pathname !== '/' && req.path.startsWith(this.base.pathname)
        ? new URL(req.path, this.base.origin)
        : new URL(req.path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
      else url.searchParams.append(key, String(value));
    }
    return url;
  }

  private async send<T>(
    req: HttpRequest,
    url: URL,
    site: CallSite,
    signal: AbortSignal,
    authenticate: boolean,
  ): Promise<{ response: HttpResponse<T>; sentAuth: Record<string, string> }> {
    await this.pacer?.turn(signal);
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs;
    const sentAuth = authenticate ? await this.opts.auth!.headers(signal) : {};
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers, ...sentAuth };
    let body: string | Uint8Array | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = this.opts.jsonContentType ?? 'application/json';
    } else if (req.body !== undefined) {
      body = req.body;
      headers['content-type'] = req.contentType ?? 'application/octet-stream';
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      const res = await fetch(url, {
        method: req.method,
        headers,
        body,
        signal: combined,
        dispatcher: this.dispatcher,
      });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      let parsed: unknown = text.length ? text : undefined;
      if (text.length && /json/i.test(contentType)) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return {
        response: {
          status: res.status,
          headers: res.headers,
          body: parsed as T,
          text,
          request: site.request,
        },
        sentAuth,
      };
    } catch (err) {
      // Cancellation by Temporal is not an upstream problem: let its reason through untouched.
      if (signal.aborted) throw signal.reason ?? err;
      throw transportFailure(site, err, timeoutMs, timeout.aborted);
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as the activity is cancelled. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    // Node rejects with its own AbortError; Temporal needs its CancelledFailure back.
    throw signal.aborted ? signal.reason : err;
  }
}
