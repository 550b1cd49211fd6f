/**
 * The API as a running service: the Express app listening, its workflow starter and the sweep
 * that retries waiting starts, and one `close` that stops them in order. The API process
 * (server.ts), the tests and the chaos run all start it here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { ulid } from 'ulid';
import type { EndSystemLocations } from '../platform/end-systems';
import { countApprovalsWaiting } from '../platform/metrics';
import { startPresence } from '../platform/presence';
import { repeatEvery } from '../platform/repeat';
import { gatherRequestLogs } from './routes/requests/log-store';
import { createApp, type RateLimits } from './app';
import type { ApiDeps } from './deps';
import { createRequestEventFeed } from './routes/requests/event-feed';
import { createResourceValidator } from './routes/requests/validation';
import { approvalsWaitingByGroup } from './routes/metrics';
import { startEndSystemProber } from './routes/system/end-systems';
import { createWorkflowStarter, type WorkflowStarter } from './starter';
import { createRequestPlanner } from './plan/planner';
import { loadRfmConfig, type RfmConfig } from '../activities/rfm';
import { taskCatalog } from '../activities/registry';
import { loadTemplateLibrary, templatesDir } from '../templates/library';

/** How often the API looks for request workflows still to start. */
export const START_SWEEP_MS = 1_000;
/** How often the API gathers the log lines of ended requests into their log files. */
export const LOG_GATHER_MS = 1_000;
/** The longest `close` waits for starts in flight (they stay waiting in PostgreSQL otherwise). */
const START_DRAIN_MS = 5_000;

export interface ApiServiceOptions extends Pick<
  ApiDeps,
  | 'temporal'
  | 'namespace'
  | 'pool'
  | 'log'
  | 'temporalUiUrl'
  | 'publicUrl'
  | 'codec'
  | 'endSystemUrls'
  | 'eventStream'
  | 'oidc'
  | 'requestBatchSize'
> {
  host: string;
  /** 0: a free port. */
  port: number;
  limits?: RateLimits;
  /** Wraps the starter (a test holds its kicks back); default: the starter as made. */
  starter?: (made: WorkflowStarter) => WorkflowStarter;
  /** How often waiting starts are swept; false: never. Default START_SWEEP_MS. */
  sweepMs?: number | false;
  /** Where the end systems are, for the status page's probes; none configured: none probed. */
  endSystems?: EndSystemLocations;
  /** How often ended requests' log lines are gathered into their files; false: never. Default LOG_GATHER_MS. */
  logGatherMs?: number | false;
  /** Where the resource repositories are, for the plans' git changes; default: the RFM_GIT_* environment. */
  rfm?: RfmConfig;
  /** `REQUEST_BULK_AFTER`: when a request starts in the bulk lane (api/starter.ts, `laneOf`). */
  bulkAfter?: number;
}

export interface ApiService {
  url: string;
  /** Stops listening (idle connections closed, answers in flight finished), then the starts. */
  close(): Promise<void>;
}

export async function startApiService(opts: ApiServiceOptions): Promise<ApiService> {
  const { temporal, pool, log } = opts;
  const made = createWorkflowStarter({
    temporal,
    pool,
    log,
    ...(opts.bulkAfter ? { bulkAfter: opts.bulkAfter } : {}),
  });
  const starter = opts.starter ? opts.starter(made) : made;
  const endSystems = startEndSystemProber(opts.endSystems ?? {});
  const stopCountingApprovals = countApprovalsWaiting(() => approvalsWaitingByGroup(temporal, pool));
  const events = createRequestEventFeed(pool, log);
  const planner = createRequestPlanner({
    pool,
    library: loadTemplateLibrary(templatesDir, taskCatalog),
    rfm: opts.rfm ?? loadRfmConfig(),
  });
  const app = createApp(
    {
      temporal,
      namespace: opts.namespace,
      pool,
      log,
      temporalUiUrl: opts.temporalUiUrl,
      publicUrl: opts.publicUrl,
      ...(opts.endSystemUrls ? { endSystemUrls: opts.endSystemUrls } : {}),
      ...(opts.eventStream ? { eventStream: opts.eventStream } : {}),
      ...(opts.oidc ? { oidc: opts.oidc } : {}),
      ...(opts.requestBatchSize ? { requestBatchSize: opts.requestBatchSize } : {}),
      events,
      resources: createResourceValidator(pool),
      planner,
      starter,
      endSystems,
      ...(opts.codec ? { codec: opts.codec } : {}),
    },
    opts.limits,
  );
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Starts left waiting by a failed attempt or by a process that died before starting them.
  const sweepMs = opts.sweepMs ?? START_SWEEP_MS;
  const stopSweeping = sweepMs === false ? async () => undefined : starter.sweepEvery(sweepMs);
  const logGatherMs = opts.logGatherMs ?? LOG_GATHER_MS;
  const stopGathering =
    logGatherMs === false
      ? async () => undefined
      : repeatEvery(
          logGatherMs,
          () => gatherRequestLogs(pool),
          (err) => log.warn({ err: err.message }, 'gathering request logs failed; next time soon'),
        );
  const url = `http://${opts.host}:${(server.address() as AddressInfo).port}`;
  const presence = startPresence(pool, {
    processId: `api-${process.pid}@${hostname()}-${ulid()}`,
    kind: 'api',
    details: () => ({ url, publicUrl: opts.publicUrl }),
  });
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await presence.stop();
        // Open event streams end now (their clients reconnect elsewhere), or close would wait for them.
        await events.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await stopSweeping();
        await endSystems.stop();
        stopCountingApprovals();
        await stopGathering();
        await planner.close();
        await Promise.race([
          starter.idle(),
          new Promise((resolve) => setTimeout(resolve, START_DRAIN_MS).unref()),
        ]);
      })();
      return closing;
    },
  };
}
