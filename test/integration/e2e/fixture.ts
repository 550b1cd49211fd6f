/**
 * The end-to-end fixture: the API on the shared stack, a vCenter client that asks the simulated
 * vCenter by its own API, and helpers to wait for a request to end.
 */
import { createVcenterDeps } from '../../../activities/vcenter';
import type { VcenterClient } from '../../../activities/vcenter/client';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { waitFor } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { recordHistory } from '../engine/engine-fixture';
import { startTestApi, type TestApi } from '../api/api-client';

export interface E2e {
  stack: TestStack;
  api: TestApi;
  vcenter: VcenterClient;
  /** A requester's token (subject `<name>@example.test`). */
  requester(name: string): Promise<string>;
  submit(token: string, body: unknown): Promise<{ requestId: string; traceId: string }>;
  /** Waits for the request to end; returns its API view. */
  settle(token: string, requestId: string, timeoutMs?: number): Promise<RequestView>;
  /**
   * With RECORD_HISTORIES=1, writes the histories of a request's whole tree to
   * test/replay/histories/ as `<name>-<n>.json`, for the replay test.
   */
  record(name: string, traceId: string): Promise<void>;
  /** Fails the AWX job of every request for `name` with `message` until the returned function is called. */
  failAwxFor(name: string, message: string): () => void;
  /** Errors the TFE apply of every run in `name`'s workspace with `message` until the returned function is called. */
  failTfeFor(name: string, message: string): () => void;
  /** How many addresses are allocated to `name` and not released. */
  liveAddresses(name: string): Promise<number>;
}

export interface RequestView {
  requestId: string;
  traceId: string;
  status: string;
  resources: {
    name: string;
    state: string;
    output?: Record<string, unknown>;
    error?: { message: string; stepId?: string };
    compensated?: string[];
  }[];
}

let shared: Promise<E2e> | undefined;

export function e2e(): Promise<E2e> {
  shared ??= (async () => {
    const stack = await getStack();
    const api = await startTestApi(stack);
    const { vcenter } = createVcenterDeps(loadEndSystemsConfig(stack.endSystemsEnv).vcenter!);
    return {
      stack,
      api,
      vcenter,
      requester: (name) => api.tokenFor('requester', `${name}@example.test`),
      async submit(token, body) {
        const res = await api.call<{ requestId: string; traceId: string }>('POST', '/v1/requests', {
          token,
          body,
        });
        if (res.status !== 202)
          throw new Error(`submission refused: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
      },
      async settle(token, requestId, timeoutMs = 90_000) {
        let view: RequestView | undefined;
        await waitFor(
          `request ${requestId} to end`,
          async () => {
            view = (await api.call<RequestView>('GET', `/v1/requests/${requestId}`, { token })).body;
            return ['succeeded', 'failed', 'cancelled'].includes(view.status);
          },
          timeoutMs,
          250,
        );
        return view!;
      },
      async record(name, traceId) {
        if (process.env.RECORD_HISTORIES !== '1') return;
        const ids: string[] = [];
        for await (const wf of stack.client.workflow.list({ query: `TraceId = '${traceId}'` }))
          ids.push(wf.workflowId);
        ids.sort();
        for (const [i, id] of ids.entries()) await recordHistory(`${name}-${i}`, id);
      },
      failAwxFor(name, message) {
        const rule = stack.sims.world.addOutcomeRule({
          system: 'awx',
          match: { extra_vars: `"${name}"` },
          outcome: 'failed',
          message,
        });
        return () => void stack.sims.world.removeFault(rule.id);
      },
      failTfeFor(name, message) {
        const rule = stack.sims.world.addOutcomeRule({
          system: 'tfe',
          match: { workspace: name },
          outcome: 'errored',
          phase: 'apply',
          message,
        });
        return () => void stack.sims.world.removeFault(rule.id);
      },
      async liveAddresses(name) {
        const { rows } = await stack.pool.query(
          'SELECT count(*)::int AS n FROM ip_allocations WHERE resource_name = $1 AND released_at IS NULL',
          [name],
        );
        return rows[0].n as number;
      },
    };
  })();
  return shared;
}

export { vm } from '../api/api-client';
