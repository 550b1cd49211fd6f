/**
 * The security suites' fixture: the API app on the shared stack with a logger that writes every
 * line (every level, no redaction) to a buffer the tests read, raw HTTP calls that keep the
 * answer's text, and the footprint of everything a submission could leave behind, git included.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { RateLimits } from '../../../api/app';
import { issueToken, type Role } from '../../../api/auth/tokens';
import { startApiService } from '../../../api/service';
import { waitFor } from '../../../platform/net';
import { REQUEST_LOG_LEVEL } from '../../../platform/request-log';
import type { TestStack } from '../../harness/stack';
import { TEST_RATE_LIMITS } from '../api/api-client';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body; undefined when the answer is not JSON. */
  json: unknown;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON with `Content-Type: application/json`. */
  body?: unknown;
  /** Sent verbatim; the Content-Type is JSON unless `headers` says otherwise. */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface SecurityApi {
  baseUrl: string;
  call(method: string, path: string, opts?: CallOptions): Promise<Answer>;
  tokenFor(role: Role, subject?: string): Promise<string>;
  /** Every line the API logged since it started (pino JSON, every level). */
  logs: string[];
  close(): Promise<void>;
}

let serial = 0;

/** Starts the API app on the shared stack, logging everything to `logs`. */
export async function startSecurityApi(
  stack: TestStack,
  limits: RateLimits = TEST_RATE_LIMITS,
): Promise<SecurityApi> {
  const logs: string[] = [];
  // Unredacted on purpose: a secret must not even reach the logger, so redaction cannot hide it.
  // Its lines that name a request also go to the request log bundles, as in an API process.
  const log = pino(
    { name: 'api-security-test', level: 'trace' },
    pino.multistream([
      { level: 'trace', stream: { write: (line: string) => void logs.push(line) } },
      { level: REQUEST_LOG_LEVEL, stream: stack.requestLog },
    ]),
  );
  const api = await startApiService({
    temporal: stack.client,
    namespace: stack.namespace,
    pool: stack.pool,
    log,
    temporalUiUrl: 'http://ui.test',
    publicUrl: 'http://api.test',
    host: '127.0.0.1',
    port: 0,
    limits,
  });
  const baseUrl = api.url;
  return {
    baseUrl,
    logs,
    async call(method, urlPath, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | Uint8Array | undefined;
      if (opts.body !== undefined) body = JSON.stringify(opts.body);
      else body = opts.raw;
      if (body !== undefined) headers['content-type'] = 'application/json';
      Object.assign(headers, opts.headers ?? {});
      const res = await fetch(`${baseUrl}${urlPath}`, { method, headers, body });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async tokenFor(role, subject = `${role}-sec-${++serial}-${Date.now().toString(36)}@example.test`) {
      return (await issueToken(stack.pool, { subject, role }, 'security-test')).token;
    },
    close: () => api.close(),
  };
}

/** The bare repositories of the RFM under the stack's temporary folder. */
export function gitRepositories(stack: TestStack): string[] {
  const base = path.join(stack.tmpDir, 'git');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((name) => name.endsWith('.git'))
    .map((name) => path.join(base, name))
    .sort();
}

/** Every commit of every repository, `repo:sha`, sorted. */
export function gitCommits(stack: TestStack): string[] {
  return gitRepositories(stack)
    .flatMap((repo) =>
      execFileSync('git', ['--git-dir', repo, 'rev-list', '--all'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((sha) => `${path.basename(repo)}:${sha}`),
    )
    .sort();
}

/**
 * What a refused call must not leave behind: ledger rows, status events, files, idempotency keys,
 * addresses, tokens, resources and owner changes, placement changes, request workflows, e-mails and
 * git commits.
 */
export async function footprint(stack: TestStack) {
  const { rows } = await stack.pool.query(
    `SELECT (SELECT count(*) FROM requests)::int AS requests,
            (SELECT count(*) FROM request_status_events)::int AS "statusEvents",
            (SELECT count(*) FROM request_files)::int AS files,
            (SELECT count(*) FROM idempotency_keys)::int AS keys,
            (SELECT count(*) FROM ip_allocations)::int AS ips,
            (SELECT count(*) FROM api_tokens)::int AS tokens,
            (SELECT count(*) FROM resources)::int AS resources,
            (SELECT count(*) FROM resource_owner_changes)::int AS "ownerChanges",
            (SELECT coalesce(string_agg(cluster || '/' || datastore || '=' || allowed || ':' || weight, ',' ORDER BY cluster, datastore), '') FROM placement_matrix) AS placement`,
  );
  // The API starts request workflows only; their trees' commits and addresses are counted above.
  const workflows = (await stack.client.workflow.count(`WorkflowType = 'requestWorkflow'`)).count;
  return { ...rows[0], workflows, mails: stack.sims.mailbox.list().length, commits: gitCommits(stack) };
}

/**
 * Waits until no request runs, so that global counts stand still while a test compares them
 * (earlier suites may leave requests finishing). A request's tree ends before its root does.
 */
export async function quiesce(stack: TestStack, timeoutMs = 90_000): Promise<void> {
  const running = `WorkflowType = 'requestWorkflow' AND ExecutionStatus = 'Running'`;
  try {
    await waitFor(
      'every request workflow to end',
      async () => (await stack.client.workflow.count(running)).count === 0,
      timeoutMs,
      250,
    );
  } catch (err) {
    // Name what still runs: an earlier test that left a request waiting (for an approval, say).
    const left: string[] = [];
    for await (const w of stack.client.workflow.list({ query: running })) left.push(w.workflowId);
    throw new Error(`${(err as Error).message}; still running: ${left.slice(0, 10).join(', ')}`);
  }
}
