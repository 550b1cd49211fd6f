/**
 * Structured JSON logs (pino). Fields that may carry credentials are redacted wherever they
 * appear, so a careless `log.info({ headers })` cannot leak a token.
 */
import pino, { type Logger } from 'pino';

const REDACTED_PATHS = [
  'password',
  'token',
  'authorization',
  'secret',
  '*.password',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
];

/** Creates the process logger; `name` is the component (api, worker, launcher). */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export type { Logger };
