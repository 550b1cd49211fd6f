/**
 * The environment of the worker and API processes, parsed by zod at start-up: a bad value refuses
 * to start with the variable that is wrong. Every variable is listed in the README's table.
 */
import { z } from 'zod';
import { personRoles } from '../common/authority';
import { allTaskQueues, DEFAULT_BULK_AFTER, type TaskQueue } from '../common/task-queues';
import { parseConfig } from './parse-config';
import { parseEncryptionKeys } from './payload-codec';

const port = z.coerce.number().int().min(0).max(65535);

// Where Temporal is (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, a profile file)
// is read by platform/temporal/connection.ts, the SDK's own way.
const baseSchema = z.object({
  /** Base URL of the Temporal Web UI, for links in status answers and logs. */
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** `id:base64key,…`, the first the current key: workflow payloads encrypted (platform/payload-codec.ts). */
  PAYLOAD_ENCRYPTION_KEYS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseEncryptionKeys(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
});

/** `key=value,key=value` (spaces around either ignored) as a map; `values` narrows what a value may be. */
const pairMap = <V extends string>(values?: readonly V[]) =>
  z
    .string()
    .default('')
    .transform((text, ctx) => {
      const map: Record<string, V> = {};
      for (const pair of text.split(',').filter((p) => p.trim())) {
        const [key, value, extra] = pair.split('=').map((p) => p.trim());
        if (!key || !value || extra !== undefined) {
          ctx.addIssue({ code: 'custom', message: `"${pair.trim()}" is not key=value` });
          return z.NEVER;
        }
        if (values && !values.includes(value as V)) {
          ctx.addIssue({ code: 'custom', message: `${key}: "${value}" is not one of ${values.join(', ')}` });
          return z.NEVER;
        }
        map[key] = value as V;
      }
      return map;
    });

/**
 * Portal sign-in through OpenID Connect (api/portal/oidc.ts, docs/portal.md); off while
 * OIDC_ISSUER_URL is unset. The client secret is only ever sent to the issuer's token endpoint.
 */
const oidcSchema = z.object({
  OIDC_ISSUER_URL: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where the issuer sends the browser back; default `<API_PUBLIC_URL>/signin/oidc/callback`. */
  OIDC_REDIRECT_URL: z.url().optional(),
  /** Scopes asked for; add the one your issuer needs to release the groups claim (often `groups`). */
  OIDC_SCOPES: z.string().min(1).default('openid email profile'),
  /** The claim that names the user (their requests' requester, their resources' owner). */
  OIDC_SUBJECT_CLAIM: z.string().min(1).default('email'),
  /** The claim that lists the user's groups at the issuer. */
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  /** The issuer's groups that give a role: `portal-admins=admin,capacity-approvers=approver,staff=requester`. */
  OIDC_ROLE_MAP: pairMap(personRoles),
  /** The issuer's groups that are approval groups here, `capacity-approvers=capacity,…`; empty: every group by its own name. */
  OIDC_GROUP_MAP: pairMap(),
  /** What the sign-in button names: "Sign in with <OIDC_DISPLAY_NAME>". */
  OIDC_DISPLAY_NAME: z.string().min(1).max(60).default('your organisation’s sign-in'),
});

const apiSchema = baseSchema
  .extend({
    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: port.default(8080),
    /** API processes sharing API_PORT (node:cluster): a primary forks them and starts any that dies again. */
    API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
    /** The API's base URL as clients and workers reach it (links, notices); default http://API_HOST:API_PORT. */
    API_PUBLIC_URL: z.url().optional(),
    /** Calls per minute per client address on /v1. */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    /**
     * The most resources one workflow builds: a request of more builds them through batch
     * workflows of this many (default 100, the workflow's own default).
     */
    REQUEST_BATCH_SIZE: z.coerce.number().int().min(1).optional(),
    /**
     * A request starts in the bulk lane (`orchestrator-bulk`) when its requester already has this
     * many requests received or running: the first of a burst stay in the interactive lane, the
     * rest queue behind each other in the bulk one, never in front of another requester's next
     * request (docs/waits.md, "Two lanes").
     */
    REQUEST_BULK_AFTER: z.coerce.number().int().min(1).default(DEFAULT_BULK_AFTER),
    /**
     * The end systems' base URLs (the workers' own variables), read here only to link a request's
     * external IDs to the system's pages: an AWX job, a TFE workspace and run.
     */
    AWX_URL: z.url().optional(),
    TFE_URL: z.url().optional(),
  })
  .extend(oidcSchema.shape)
  .superRefine((config, ctx) => {
    if (!config.OIDC_ISSUER_URL) return;
    if (!config.OIDC_CLIENT_ID)
      ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'required with OIDC_ISSUER_URL' });
    if (!Object.keys(config.OIDC_ROLE_MAP).length)
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_ROLE_MAP'],
        message: 'required with OIDC_ISSUER_URL: which groups give which role',
      });
  });

const concurrency = (fallback: number) => z.coerce.number().int().min(1).max(1000).default(fallback);

const workerSchema = baseSchema.extend({
  /**
   * The task queues this worker process serves, comma-separated; unset: all of them. Lets a
   * deployment give the bulk lane processes (or machines) of its own, at a lower CPU priority.
   */
  WORKER_TASK_QUEUES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const queues = [...new Set(raw.split(',').map((q) => q.trim()))];
      const unknown = queues.filter((q) => !(allTaskQueues as readonly string[]).includes(q));
      if (unknown.length) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown task queue(s) ${unknown.join(', ')}; the queues are ${allTaskQueues.join(', ')}`,
        });
        return z.NEVER;
      }
      return queues as TaskQueue[];
    }),
  /** How long a worker lets running activities finish on shutdown before it cancels them. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * Activities one worker process runs at once per task queue: the cap each end system sees
   * from it (several worker processes add up). The orchestrator's figure holds for each of its
   * two lanes (`orchestrator`, `orchestrator-bulk`).
   */
  WORKER_CONCURRENCY_ORCHESTRATOR: concurrency(100),
  WORKER_CONCURRENCY_AWX: concurrency(20),
  WORKER_CONCURRENCY_TFE: concurrency(10),
  WORKER_CONCURRENCY_VCENTER: concurrency(20),
  WORKER_CONCURRENCY_ACI: concurrency(10),
  /**
   * Waits one worker process holds at once per wait queue. A wait is a timer and one GET per
   * poll, so the budget is large; it never takes a slot from the system's calls (docs/waits.md).
   */
  WORKER_CONCURRENCY_AWX_WAITS: concurrency(500),
  WORKER_CONCURRENCY_TFE_WAITS: concurrency(500),
  /**
   * TFE calls started per second on the `tfe` queue by all workers together, paced by the
   * Temporal server: a call sends one to three requests, so 10 stays below HCP Terraform's 30
   * requests per second per token however many worker processes run. 0: not paced.
   */
  WORKER_ACTIVITIES_PER_SECOND_TFE: z.coerce.number().min(0).max(1000).default(10),
  /**
   * Workflow tasks one worker process holds at once in each lane; unset:
   * `DEFAULT_WORKFLOW_TASK_SLOTS` of workers/workers.ts, which says why so few. At least 2, the
   * SDK's floor with a workflow cache.
   */
  WORKER_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).max(1000).optional(),
  /**
   * How long a workflow task waits on the worker's own (sticky) queue before Temporal hands it to
   * the lane's shared queue (`orchestrator` or `orchestrator-bulk`); unset:
   * `DEFAULT_STICKY_QUEUE_TIMEOUT_MS` of workers/workers.ts, which says why (docs/waits.md).
   */
  WORKER_STICKY_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  /**
   * Workflows one worker process keeps in memory between their tasks, in each lane; unset:
   * `DEFAULT_MAX_CACHED_WORKFLOWS` of workers/workers.ts, which says what it trades. 0: none
   * (every workflow task replays its whole history).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  /**
   * Port of the worker's `GET /metrics` (its own metrics and the Temporal SDK's); unset: none,
   * 0: a free port, logged at start.
   */
  WORKER_METRICS_PORT: port.optional(),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export type BaseConfig = z.infer<typeof baseSchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;

export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => parseConfig(apiSchema, env);
export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerConfig =>
  parseConfig(workerSchema, env);
