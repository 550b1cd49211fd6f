/**
 * The Temporal SDK's log entries (the worker's own, and the workflows' and activities' through
 * the SDK's workflow and activity loggers) written to the process's pino logger, each line of a
 * request's workflow tree carrying its `traceId` and `requestId` (from the workflow ID), so the
 * request's log bundle collects it. The activity task token is left out: it completes the activity.
 */
import type { LogEntry, LogLevel } from '@temporalio/worker';
import { requestIdsOf } from '../common/ids';
import type { Logger } from '../platform/logger';

const methods: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK level that lets through every entry `pinoLevel` (or the request bundle) keeps. */
export function sdkLogLevel(pinoLevel: string): LogLevel {
  return pinoLevel === 'trace' ? 'TRACE' : 'DEBUG';
}

/** Writes one SDK log entry to `log`. */
export function forwardSdkLog(log: Logger): (entry: LogEntry) => void {
  return ({ level, message, meta }) => {
    const { taskToken: _token, error, workflowId, ...fields } = meta ?? {};
    const ids = typeof workflowId === 'string' ? requestIdsOf(workflowId) : undefined;
    log[methods[level]](
      {
        ...fields,
        ...(workflowId === undefined ? {} : { workflowId }),
        ...ids,
        // pino serialises an error (message, type, stack) under `err` only.
        ...(error === undefined ? {} : { err: error }),
      },
      message,
    );
  };
}
