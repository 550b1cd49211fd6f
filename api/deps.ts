/** What the API's routes are given: built once in server.ts, or by the tests. */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Pool } from 'pg';
import type { Logger } from '../platform/logger';
import type { OidcSettings } from './portal/oidc';
import type { EndSystemProber } from './routes/system/end-systems';
import type { ResourceValidator } from './routes/requests/validation';
import type { RequestEventFeed } from './routes/requests/event-feed';
import type { EventStreamOptions } from './routes/requests/event-stream';
import type { RequestPlanner } from './plan/planner';
import type { WorkflowStarter } from './starter';

export interface EndSystemUrls {
  awx?: string;
  tfe?: string;
}

export interface ApiDeps {
  temporal: Client;
  namespace: string;
  pool: Pool;
  log: Logger;
  /** Base URL of the Temporal Web UI, for links. */
  temporalUiUrl: string;
  /** Base URL of this API as clients and workers reach it, for links. */
  publicUrl: string;
  /** Checks resources against their handlers and the permitted values. */
  resources: ResourceValidator;
  /** Computes a request's plan, by reads only (api/plan/, docs/plan-preview.md). */
  planner: RequestPlanner;
  /** Starts the workflows of recorded requests (api/starter.ts). */
  starter: WorkflowStarter;
  /** This process's background prober of the end systems, read by `GET /v1/system/status`. */
  endSystems: EndSystemProber;
  /** The payload encryption codec when PAYLOAD_ENCRYPTION_KEYS is set: served at /codec. */
  codec?: PayloadCodec;
  /** Base URLs of the end systems whose pages the status links to (AWX jobs, TFE runs); absent: no links. */
  endSystemUrls?: EndSystemUrls;
  /** Wakes the event streams when their request has new events. */
  events: RequestEventFeed;
  /** Portal sign-in through an OpenID Connect issuer; absent: API tokens only. */
  oidc?: OidcSettings;
  /** Overrides of the event streams' timing (tests end streams sooner). */
  eventStream?: Partial<EventStreamOptions>;
  /** The most resources one workflow builds (`RequestWorkflowInput.batchSize`); absent: the workflow's default. */
  requestBatchSize?: number;
}
