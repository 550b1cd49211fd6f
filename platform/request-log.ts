/**
 * The collection side of a request's log bundle. Every process (each API, each worker, on any
 * machine) gives its pino logger a second destination, a `RequestLogCollector`: each line that
 * names a request (`requestId`, and its `traceId`) is rendered as one text line and kept in a
 * bounded buffer, which is written to PostgreSQL's `request_log_lines` in batches (one multi-row
 * INSERT every FLUSH_MS, or sooner when BATCH_ROWS are waiting). PostgreSQL is the one store every
 * process already shares, so lines from any number of processes meet there without a log shipper,
 * at the cost of one INSERT per process every quarter second at most. When a request has ended, an
 * API process gathers its lines into the request's log file (api/routes/requests/log-store.ts).
 *
 * The bounds: a process buffers at most MAX_BUFFERED lines while PostgreSQL does not take them
 * (then the oldest are dropped and counted in `oo_request_log_lines_dropped_total`); the table
 * holds only the lines of requests that have not ended yet; a request's file keeps at most
 * MAX_FILE_LINES lines.
 */
import pino, { type DestinationStream, type Level } from 'pino';
import type { Pool } from 'pg';
import { requestIdPattern, traceIdPattern } from '../common/ids';
import { requestLogLinesDropped } from './metrics';

/** The least level collected: the SDK's workflow and activity lifecycle lines are `debug`. */
export const REQUEST_LOG_LEVEL: Level = 'debug';
/** How often a process writes its collected lines. */
export const FLUSH_MS = 250;
/** Rows per INSERT, and the count that triggers a write before FLUSH_MS. */
const BATCH_ROWS = 500;
/** Lines a process keeps while PostgreSQL does not take them. */
export const MAX_BUFFERED = 10_000;

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** One collected line. */
export interface RequestLogLine {
  requestId: string;
  traceId: string | null;
  /** Milliseconds since the epoch, from the logger. */
  at: number;
  line: string;
}

/**
 * A pino JSON line as the bundle's text line: time, level, process, message, then the other
 * fields as JSON (the request and trace IDs among them).
 */
export function renderLogLine(record: Record<string, unknown>): string {
  const { time, level, msg, name, pid, hostname, ...fields } = record;
  const at = new Date(typeof time === 'number' ? time : Date.now()).toISOString();
  const levelName = LEVEL_NAMES[level as number] ?? String(level);
  const origin = `${String(name ?? 'process')}[${String(pid ?? '?')}@${String(hostname ?? '?')}]`;
  return `${at} ${levelName.padEnd(5)} ${origin} ${String(msg ?? '')} ${JSON.stringify(fields)}`;
}

/** The request a pino line names, and the line rendered; undefined when it names none. */
export function requestLineOf(json: string): RequestLogLine | undefined {
  // Most lines name no request: they are skipped before parsing.
  if (!json.includes('"requestId":"req_')) return undefined;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { requestId, traceId } = record;
  if (typeof requestId !== 'string' || !requestIdPattern.test(requestId)) return undefined;
  return {
    requestId,
    traceId: typeof traceId === 'string' && traceIdPattern.test(traceId) ? traceId : null,
    at: typeof record.time === 'number' ? record.time : Date.now(),
    line: renderLogLine(record),
  };
}

/** A pino destination that collects the lines naming a request and writes them in batches. */
export class RequestLogCollector implements DestinationStream {
  private buffer: RequestLogLine[] = [];
  private pool: Pool | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  write(json: string): void {
    const line = requestLineOf(json);
    if (!line) return;
    this.buffer.push(line);
    if (this.buffer.length > MAX_BUFFERED) {
      const excess = this.buffer.length - MAX_BUFFERED;
      this.buffer.splice(0, excess);
      requestLogLinesDropped.inc(excess);
    }
    if (this.buffer.length >= BATCH_ROWS) void this.flush();
  }

  /** Starts writing to `pool` (lines logged before are kept until then, within the bound). */
  attach(pool: Pool): void {
    this.pool = pool;
    this.timer ??= setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** Writes what is buffered now; a failed write keeps the lines for the next one. */
  flush(): Promise<void> {
    this.flushing ??= this.writeBuffered().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Writes what is left and stops; call before the pool ends. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
    this.pool = undefined;
  }

  private async writeBuffered(): Promise<void> {
    const pool = this.pool;
    while (pool && this.buffer.length) {
      const batch = this.buffer.slice(0, BATCH_ROWS);
      try {
        await pool.query(
          `INSERT INTO request_log_lines (request_id, trace_id, at, line)
           SELECT r, t, 'epoch'::timestamptz + a * interval '1 millisecond', l
             FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS x(r, t, a, l)`,
          [
            batch.map((b) => b.requestId),
            batch.map((b) => b.traceId),
            batch.map((b) => b.at),
            batch.map((b) => b.line),
          ],
        );
      } catch {
        // PostgreSQL away: the lines wait in the buffer (bounded) for the next flush.
        return;
      }
      // Lines that arrived during the INSERT stay; the batch written is the buffer's head.
      this.buffer.splice(0, batch.length);
    }
  }
}

/** Stdout at `level` (none when silent) and the collector from REQUEST_LOG_LEVEL up. */
export function loggerStreams(level: string, collector: RequestLogCollector): DestinationStream {
  const streams: pino.StreamEntry[] = [{ level: REQUEST_LOG_LEVEL, stream: collector }];
  if (level !== 'silent') streams.push({ level: level as Level, stream: pino.destination(1) });
  return pino.multistream(streams);
}
