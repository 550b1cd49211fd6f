/**
 * Fixtures for the end-system task tests: run a task as Temporal would (MockActivityEnvironment:
 * attempt, heartbeat details, cancellation), assert on the failure a workflow would see, and
 * start the simulators with configurations built the way a worker builds them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { FailureDetails, FailureType } from '../../common/errors';
import { toActivity, type AnyTask } from '../../activities/task';
import {
  Secret,
  type AciConfig,
  type AwxConfig,
  type SmtpConfig,
  type TfeConfig,
  type VcenterConfig,
} from '../../platform/end-systems';

/** The SDK logs every failed attempt with its stack; the assertions say what matters. */
const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export interface RunOptions {
  attempt?: number;
  heartbeatDetails?: unknown;
  workflowId?: string;
  activityId?: string;
  /** Cancel the activity this many ms after it starts. */
  cancelAfterMs?: number;
  /** When the activity was first scheduled (constant across its attempts); default now. */
  scheduledAt?: number;
  /** Receives every heartbeat. */
  onHeartbeat?: (details: unknown) => void;
}

/** Runs one task's activity function in a mock activity context. */
export async function runTask<Deps>(task: AnyTask<Deps>, deps: Deps, input: unknown, opts: RunOptions = {}) {
  const env = new MockActivityEnvironment(
    {
      attempt: opts.attempt ?? 1,
      heartbeatDetails: opts.heartbeatDetails,
      activityId: opts.activityId ?? '1',
      activityType: task.id,
      workflowExecution: { workflowId: opts.workflowId ?? 'wf-test', runId: 'run-1' },
      scheduledTimestampMs: opts.scheduledAt ?? Date.now(),
      currentAttemptScheduledTimestampMs: Date.now(),
    },
    { logger: quiet },
  );
  if (opts.onHeartbeat) env.on('heartbeat', opts.onHeartbeat);
  let timer: NodeJS.Timeout | undefined;
  if (opts.cancelAfterMs !== undefined) timer = setTimeout(() => env.cancel(), opts.cancelAfterMs);
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (await env.run(toActivity(task, deps) as any, input)) as any;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface ExpectedFailure {
  type: FailureType;
  /** Substrings the message must contain. */
  message?: (string | RegExp)[];
  httpStatus?: number;
  /** Strings that must appear nowhere in the failure (credentials). */
  absent?: string[];
}

/** Asserts that `promise` rejects with the taxonomy failure described; returns its details. */
export async function expectFailure(
  promise: Promise<unknown>,
  expected: ExpectedFailure,
): Promise<FailureDetails> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected a ${expected.type} failure, but the call succeeded`);
  assert.ok(caught instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(caught)}`);
  const f = caught as ApplicationFailure;
  assert.equal(f.type, expected.type, `failure type (message: ${f.message})`);
  const retryable = ![
    'InvalidInput',
    'Unauthorized',
    'Forbidden',
    'NotFound',
    'JobFailed',
    'RunErrored',
    'PolicyFailed',
    'InvalidOutput',
    'ApprovalDenied',
    'Misconfigured',
  ].includes(expected.type);
  assert.equal(f.nonRetryable, !retryable, `nonRetryable of ${f.type}`);
  for (const m of expected.message ?? []) {
    if (typeof m === 'string')
      assert.ok(f.message.includes(m), `message ${JSON.stringify(f.message)} lacks ${JSON.stringify(m)}`);
    else assert.match(f.message, m);
  }
  const details = (f.details?.[0] ?? {}) as FailureDetails;
  if (expected.httpStatus !== undefined)
    assert.equal(details.httpStatus, expected.httpStatus, 'httpStatus in details');
  const everything = JSON.stringify({
    message: f.message,
    details: f.details,
    stack: f.stack,
    cause: String(f.cause),
  });
  for (const secret of expected.absent ?? [])
    assert.ok(!everything.includes(secret), `failure leaks ${secret}`);
  return details;
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const tls = { insecure: false };

/** Configurations pointing at running simulators, as a worker would build them from env. */
export const configFor = {
  awx: (url: string, token: string, extra: Partial<AwxConfig> = {}): AwxConfig => ({
    url,
    apiPrefix: '/api/v2',
    token: new Secret(token),
    tls,
    timeoutMs: 5_000,
    pollIntervalMs: 20,
    idempotencyLookbackMs: 3_600_000,
    ...extra,
  }),
  tfe: (url: string, token: string, organization: string, extra: Partial<TfeConfig> = {}): TfeConfig => ({
    url,
    token: new Secret(token),
    organization,
    tls,
    timeoutMs: 5_000,
    pollIntervalMs: 20,
    maxRequestsPerSecond: 20,
    ...extra,
  }),
  vcenter: (url: string, username: string, password: string, apiStyle?: 'api' | 'rest'): VcenterConfig => ({
    url,
    username,
    password: new Secret(password),
    tls,
    timeoutMs: 5_000,
    ...(apiStyle ? { apiStyle } : {}),
  }),
  aci: (url: string, username: string, password: string): AciConfig => ({
    url,
    username,
    password: new Secret(password),
    tls,
    timeoutMs: 5_000,
  }),
  smtp: (host: string, port: number, from = 'orchestrator@example.com'): SmtpConfig => ({
    host,
    port,
    secure: false,
    from,
    tls: { insecure: true },
  }),
};
