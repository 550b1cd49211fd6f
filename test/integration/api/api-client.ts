/** A tiny client of the API for the tests: an app on a free port and typed JSON calls. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { loadRfmConfig } from '../../../activities/rfm';
import type { RateLimits } from '../../../api/app';
import { issueToken, type Role } from '../../../api/auth/tokens';
import { startApiService, type ApiServiceOptions } from '../../../api/service';
import { loadEndSystemLocations } from '../../../platform/end-systems';
import { createLogger } from '../../../platform/logger';
import { waitFor } from '../../../platform/net';
import type { TestStack } from '../../harness/stack';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApi {
  baseUrl: string;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  tokenFor(role: Role, subject?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The rate limit of the tests' APIs: every test calls from 127.0.0.1, so the suite as a whole is
 * one address polling for many users, far above the production default of 600 a minute (CI once
 * failed 23 tests on it). The limiter's own test passes a small limit.
 */
export const TEST_RATE_LIMITS: RateLimits = { perMinute: 1_000_000 };

/** Starts the API app on the shared stack. */
export async function startTestApi(
  stack: TestStack,
  limits: RateLimits = TEST_RATE_LIMITS,
  opts: Pick<ApiServiceOptions, 'starter' | 'sweepMs' | 'eventStream' | 'oidc' | 'requestBatchSize'> & {
    port?: number;
  } = {},
): Promise<TestApi> {
  const api = await startApiService({
    temporal: stack.client,
    namespace: stack.namespace,
    pool: stack.pool,
    log: createLogger('api-test', 'silent', stack.requestLog),
    temporalUiUrl: 'http://ui.test',
    // Links are not followed by these tests; the file URL only has to be well formed.
    publicUrl: 'http://api.test',
    host: '127.0.0.1',
    port: opts.port ?? 0,
    limits,
    endSystems: loadEndSystemLocations(stack.endSystemsEnv),
    endSystemUrls: { awx: stack.endSystemsEnv.AWX_URL, tfe: stack.endSystemsEnv.TFE_URL },
    // The plans read the repositories the stack's workers commit to.
    rfm: loadRfmConfig({
      RFM_GIT_BASE_URL: pathToFileURL(path.join(stack.tmpDir, 'git')).href,
      RFM_GIT_WORK_DIR: path.join(stack.tmpDir, 'rfm-work'),
    }),
    ...opts,
  });
  const baseUrl = api.url;
  let n = 0;
  return {
    baseUrl,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      } else if (opts.rawBody !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await res.text();
      // JSON answers parsed; a text one (GET /metrics) as an empty object, read it with fetch.
      const json = /json/.test(res.headers.get('content-type') ?? '');
      return {
        status: res.status,
        headers: res.headers,
        body: text && json ? JSON.parse(text) : {},
      } as never;
    },
    async tokenFor(role, subject = `${role}-${++n}-${Date.now().toString(36)}@example.test`) {
      return (await issueToken(stack.pool, { subject, role }, 'test')).token;
    },
    close: () => api.close(),
  };
}

/** One VM as a user writes it: a valid `virtual_machine` resource, with `overrides` on top. */
export function vm(name: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'virtual_machine',
    name,
    osImage: 'rhel9',
    network: 'INTRANET_DEV',
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 100 }],
    ...overrides,
  };
}

/** The workflow `workflowId` once Temporal has it (a submission is answered before its start). */
export async function waitForWorkflow(
  client: Client,
  workflowId: string,
): Promise<WorkflowExecutionDescription> {
  let described: WorkflowExecutionDescription | undefined;
  await waitFor(
    `workflow ${workflowId} to start`,
    async () => {
      described = await client.workflow.getHandle(workflowId).describe();
      return true;
    },
    30_000,
    20,
  );
  return described!;
}
