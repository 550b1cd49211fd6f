/**
 * Structured JSON logs (pino). Fields that may carry credentials are redacted wherever they
 * appear, so a careless `log.info({ headers })` cannot leak a token.
 */
import pino, { type Logger } from 'pino';
import { loggerStreams, REQUEST_LOG_LEVEL, type RequestLogCollector } from './request-log';

const REDACTED_PATHS = [
  'password',
  'token',
  'authorization',
  'secret',
  'clientSecret',
  '*.password',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.secret',
  '*.clientSecret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
];

/**
 * Creates the process logger; `name` is the component (api, worker, launcher). With a collector,
 * the lines that name a request also go to its log bundle (platform/request-log.ts), from
 * `debug` up whatever `level` stdout gets.
 */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  collector?: RequestLogCollector,
): Logger {
  const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };
  if (!collector) return pino({ name, level, redact });
  const least =
    pino.levels.values[level]! < pino.levels.values[REQUEST_LOG_LEVEL]! ? level : REQUEST_LOG_LEVEL;
  return pino({ name, level: least, redact }, loggerStreams(level, collector));
}

export type { Logger };
