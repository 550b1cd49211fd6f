/**
 * vCenter's /api error envelope (`error_type`, `messages`, `data`) and the standard vAPI mapping
 * from error type to HTTP status, as in the reference's table.
 */
import type { Response } from 'express';

/** vAPI error types the simulator answers with. */
export type VapiErrorType =
  | 'UNAUTHENTICATED'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'OPERATION_NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ALREADY_IN_DESIRED_STATE'
  | 'INVALID_ARGUMENT'
  | 'INVALID_REQUEST'
  | 'NOT_ALLOWED_IN_CURRENT_STATE'
  | 'RESOURCE_BUSY'
  | 'RESOURCE_IN_USE'
  | 'UNABLE_TO_ALLOCATE_RESOURCE'
  | 'UNSUPPORTED'
  | 'CONCURRENT_CHANGE'
  | 'ERROR'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMED_OUT';

/** HTTP status for each error type (standard vAPI mapping). */
export function httpStatusOf(type: VapiErrorType): number {
  switch (type) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'UNAUTHORIZED':
      return 403;
    case 'NOT_FOUND':
    case 'OPERATION_NOT_FOUND':
      return 404;
    case 'CONCURRENT_CHANGE':
      return 409;
    case 'ERROR':
    case 'INTERNAL_SERVER_ERROR':
      return 500;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    case 'TIMED_OUT':
      return 504;
    default:
      return 400;
  }
}

/** Error type for an HTTP status (for injected faults). */
export function errorTypeOf(status: number): VapiErrorType {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONCURRENT_CHANGE';
  if (status === 504) return 'TIMED_OUT';
  if (status === 500) return 'INTERNAL_SERVER_ERROR';
  if (status >= 500 || status === 429) return 'SERVICE_UNAVAILABLE';
  return 'INVALID_REQUEST';
}

/** The /api error body. */
export function errorBody(
  type: VapiErrorType,
  message: string,
  id = `com.vmware.vapi.std.errors.${type.toLowerCase()}`,
  args: string[] = [],
) {
  return {
    error_type: type,
    messages: message ? [{ id, default_message: message, args }] : [],
  };
}

/** A vAPI error thrown by a handler and written by the error middleware. */
export class VapiError extends Error {
  constructor(
    readonly type: VapiErrorType,
    message: string,
    readonly messageId?: string,
    readonly args: string[] = [],
  ) {
    super(message);
  }
}

/** Writes `error` in vCenter's envelope with its mapped status. */
export function sendVapiError(res: Response, error: VapiError): void {
  res
    .status(httpStatusOf(error.type))
    .json(errorBody(error.type, error.message, error.messageId, error.args));
}
