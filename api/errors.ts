/**
 * The one error envelope of the API: `{ error: { type, message, fields? } }`. Handlers throw
 * HttpError (or let zod errors through) and Express 5 forwards rejected promises here.
 */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../platform/logger';

export interface FieldProblem {
  /** JSON-pointer-like path in the request, e.g. `body.resources.0.cpu`. */
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields?: FieldProblem[],
    /** More of what the caller needs to act on the refusal (a 409's new plan), beside `fields`. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The field problems of a zod error about `where` (body, query, `body.resources.0`, …). */
export function fieldProblems(where: string, error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((i) => {
    const base = [where, ...i.path.map(String)];
    // An unknown key is reported where it is, not at its parent object.
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((key) => ({ path: [...base, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: base.join('.'), message: i.message }];
  });
}

/** Turns a zod error about `where` (body, query, params, headers) into a 400 naming each field. */
export function invalidRequest(where: string, error: z.ZodError): HttpError {
  const fields = fieldProblems(where, error);
  return new HttpError(
    400,
    'InvalidInput',
    `invalid ${where}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    fields,
  );
}

/** Most field problems one answer lists; enough to fix a request, too few to amplify an attack. */
export const MAX_FIELDS = 50;
const MAX_MESSAGE = 2_000;

/** Postgres SQLSTATE class 22, data exception: a bad value, not a broken server. */
function isPostgresDataException(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && 'severity' in (err as object);
}

/** The error middleware: every failure leaves as one JSON envelope; 5xx details stay in the log. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let httpError: HttpError;
    if (err instanceof HttpError) httpError = err;
    else if (err instanceof z.ZodError) httpError = invalidRequest('body', err);
    else if (err?.type === 'entity.parse.failed')
      httpError = new HttpError(400, 'MalformedJson', `the body is not valid JSON: ${err.message}`);
    else if (err?.type === 'entity.too.large')
      httpError = new HttpError(413, 'PayloadTooLarge', `the body is larger than ${err.limit} bytes`);
    else if (isPostgresDataException(err)) {
      // A value slipped past validation that Postgres cannot take (an encoding, a cast): the
      // caller's input is wrong, and the SQL behind it stays in the log.
      log.warn({ err, method: req.method, path: req.path }, 'a value the database refused');
      httpError = new HttpError(400, 'InvalidInput', 'a value in the request cannot be stored or compared');
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      httpError = new HttpError(err.status, 'BadRequest', String(err.message));
    } else {
      log.error({ err, method: req.method, path: req.path }, 'request failed');
      httpError = new HttpError(500, 'InternalError', 'internal error; the server log has the details');
    }
    // However many problems a body has, the answer stays small: a refusal must not amplify.
    const fields = httpError.fields?.slice(0, MAX_FIELDS);
    const omitted = (httpError.fields?.length ?? 0) - (fields?.length ?? 0);
    let message =
      httpError.message.length > MAX_MESSAGE
        ? `${httpError.message.slice(0, MAX_MESSAGE)}…`
        : httpError.message;
    if (omitted > 0) message += ` (and ${omitted} more problems)`;
    res.status(httpError.status).json({
      error: {
        type: httpError.type,
        message,
        ...(fields ? { fields } : {}),
        ...(httpError.details ? { details: httpError.details } : {}),
      },
    });
  };
}
