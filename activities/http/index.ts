/** The HTTP layer shared by the end-system clients. */
export { BearerTokenAuth, SessionAuth, type TokenSource } from './auth';
export {
  failureTypeForStatus,
  httpFailure,
  retryDelayMs,
  type HeaderReader,
  type UpstreamError,
} from './failures';
export {
  HttpClient,
  sleep,
  type Authenticator,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  type TlsOptions,
} from './http-client';
export { FIRST_POLL_PAUSE_MS, pollPauses, withPatience, type PatienceOptions } from './patience';
export { scrubSecrets, truncate } from './scrub';
