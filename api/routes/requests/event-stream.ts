/**
 * `GET /v1/requests/{id}/events`: a request's story as Server-Sent Events, read from the ledger
 * (`request_events`, written by the request workflow) and woken by the process's event feed.
 * Every event carries its `seq` as its SSE `id`, the same for every reader, so a client that
 * reconnects with `Last-Event-ID` gets exactly what it has not seen. The stream ends after the
 * `outcome` event; a stream open longer than `maxMs` ends too (the client reconnects, as
 * EventSource does by itself), and a comment line every `heartbeatMs` keeps proxies from
 * closing a quiet one.
 */
import type { Request, Response } from 'express';
import { terminalStatuses, type RequestEvent, type RequestProgress } from '../../../common/request';
import type { ApiDeps } from '../../deps';
import { HttpError } from '../../errors';
import { eventsAfter, getRequest, type RequestRow } from './store';

/** How a stream behaves; the defaults suit clients behind ordinary proxies. */
export interface EventStreamOptions {
  /** A comment line this often keeps a quiet stream open through proxies. */
  heartbeatMs: number;
  /** A stream ends after this long; the client reconnects with Last-Event-ID. */
  maxMs: number;
  /** A stream reads the ledger this often even when no notification came. */
  fallbackMs: number;
}

export const defaultEventStreamOptions: EventStreamOptions = {
  heartbeatMs: 15_000,
  maxMs: 15 * 60_000,
  fallbackMs: 5_000,
};

/** What a client waits before reconnecting, sent as the stream's `retry`. */
const RECONNECT_MS = 2_000;

/** `Last-Event-ID` as the document states it: a whole number of up to 15 digits. */
export const lastEventIdPattern = /^[0-9]{1,15}$/;

function lastEventIdOf(req: Request): number {
  const raw = req.get('last-event-id');
  if (raw === undefined) return 0;
  if (!lastEventIdPattern.test(raw))
    throw new HttpError(400, 'InvalidInput', 'Last-Event-ID must be the id of an event of this stream', [
      {
        path: 'headers.last-event-id',
        message: `must be a whole number, not ${JSON.stringify(raw.slice(0, 40))}`,
      },
    ]);
  return Number(raw);
}

function frame(e: RequestEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Streams the request's events after the client's Last-Event-ID until its outcome. */
export async function streamEvents(
  deps: ApiDeps,
  req: Request,
  res: Response,
  row: RequestRow,
): Promise<void> {
  const opts = { ...defaultEventStreamOptions, ...deps.eventStream };
  let last = lastEventIdOf(req);
  const bell = deps.events.subscribe(row.requestId);
  let gone = false;
  res.on('close', () => {
    gone = true;
    bell.ring();
  });
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(`retry: ${RECONNECT_MS}\n\n`);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), opts.heartbeatMs);
  const until = Date.now() + opts.maxMs;
  try {
    while (!gone && !deps.events.closed && Date.now() < until) {
      const { events, maxSeq, ended } = await eventsAfter(deps.pool, row.requestId, last);
      for (const e of events) {
        res.write(frame(e));
        last = e.seq;
        if (e.type === 'outcome') return;
      }
      // The client has seen the outcome already (it reconnected after it): nothing follows.
      if (events.length === 0 && ended) return;
      if (events.length === 0 && maxSeq === 0 && last === 0) {
        // A request whose workflow never ran (Temporal refused its start) tells no story: its
        // ledger row is all there is, and its end is the one event.
        const now = await getRequest(deps.pool, row.requestId);
        if (now && terminalStatuses.includes(now.status)) {
          res.write(frame(ledgerOutcome(now)));
          return;
        }
      }
      if (events.length === 0) await bell.wait(Math.min(opts.fallbackMs, Math.max(0, until - Date.now())));
    }
  } catch (err) {
    // The answer has begun: no error envelope can follow. The client reconnects and resumes.
    deps.log.warn({ requestId: row.requestId, err: (err as Error).message }, 'event stream cut short');
  } finally {
    clearInterval(heartbeat);
    bell.unsubscribe();
    res.end();
  }
}

function ledgerOutcome(row: RequestRow): RequestEvent {
  const recorded = (row.outcome ?? {}) as Partial<RequestProgress>;
  return {
    seq: 1,
    at: row.updatedAt,
    type: 'outcome',
    data: {
      traceId: row.traceId,
      requestId: row.requestId,
      status: row.status,
      resources: recorded.resources ?? [],
    },
  };
}
