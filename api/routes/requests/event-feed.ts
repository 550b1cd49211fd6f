/**
 * Wakes the event streams of one API process when their request has new events: one PostgreSQL
 * connection per process (its own beside the pool, made when the first stream opens) LISTENs on the channel `ledger:record-events` notifies, whatever the
 * number of streams, so no stream polls Temporal. Notifications can be lost (the connection
 * drops and is made again), so a stream also reads the ledger every `fallbackMs` by itself.
 */
import { Client, type Pool } from 'pg';
import { REQUEST_EVENTS_CHANNEL } from '../../../activities/ledger/record-events';
import type { Logger } from '../../../platform/logger';

/** One stream's doorbell: rings when its request has new events, when the feed closes, or when told. */
export interface EventSubscription {
  /** Resolves at the next ring (at once if it rang since the last wait) or after `ms`. */
  wait(ms: number): Promise<void>;
  /** Rings it (the client went away). */
  ring(): void;
  unsubscribe(): void;
}

export interface RequestEventFeed {
  subscribe(requestId: string): EventSubscription;
  /** True once closing: streams end. */
  readonly closed: boolean;
  /** Ends every stream and the LISTEN connection. */
  close(): Promise<void>;
}

/** How long the feed waits before listening again after its connection failed. */
const RELISTEN_MS = 1_000;

export function createRequestEventFeed(pool: Pool, log: Logger): RequestEventFeed {
  const bells = new Map<string, Set<() => void>>();
  const all = new Set<() => void>();
  let client: Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const again = () => {
    retry = setTimeout(() => void listen(), RELISTEN_MS);
    retry.unref();
  };

  const onNotification = (msg: { channel: string; payload?: string }) => {
    if (msg.channel !== REQUEST_EVENTS_CHANNEL || !msg.payload) return;
    for (const ring of bells.get(msg.payload) ?? []) ring();
  };
  async function listen(): Promise<void> {
    if (closed) return;
    const c = new Client(pool.options);
    c.on('notification', onNotification);
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'request events: LISTEN connection failed; listening again');
      if (client === c) client = undefined;
      void c.end().catch(() => undefined);
      if (!closed) again();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${REQUEST_EVENTS_CHANNEL}`);
      client = c;
      if (closed) await stop();
      // Streams read again: what was notified while not listening is not lost.
      for (const ring of all) ring();
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'request events: cannot LISTEN; streams read the ledger every few seconds',
      );
      void c.end().catch(() => undefined);
      if (!closed) again();
    }
  }
  async function stop(): Promise<void> {
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  }

  return {
    get closed() {
      return closed;
    },
    subscribe(requestId) {
      if (!listening) {
        listening = true;
        void listen();
      }
      let rung = false;
      let wake: (() => void) | undefined;
      const ring = () => {
        rung = true;
        wake?.();
      };
      const set = bells.get(requestId) ?? new Set();
      bells.set(requestId, set);
      set.add(ring);
      all.add(ring);
      return {
        ring,
        async wait(ms) {
          if (!rung && !closed)
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, ms);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          wake = undefined;
          rung = false;
        },
        unsubscribe() {
          set.delete(ring);
          if (set.size === 0) bells.delete(requestId);
          all.delete(ring);
        },
      };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      for (const ring of all) ring();
      await stop();
    },
  };
}
