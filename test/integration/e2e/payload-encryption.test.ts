/**
 * Payload encryption on a real stack: a worker set and an API configured with a key, in a
 * namespace of their own on the shared Temporal server (the shared workers, without the key,
 * poll the same task queue names in the default namespace). One request runs through it; the CLI
 * then shows its history as ciphertext, and in the clear through the API's codec endpoint with an
 * operator's token.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { Worker } from '@temporalio/worker';
import { loadRfmConfig } from '../../../activities/rfm';
import { issueToken } from '../../../api/auth/tokens';
import { startApiService, type ApiService } from '../../../api/service';
import { loadDevConfig } from '../../../platform/dev-config';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { createLogger } from '../../../platform/logger';
import { waitFor } from '../../../platform/net';
import {
  ENCRYPTED_ENCODING,
  parseEncryptionKeys,
  payloadDataConverter,
} from '../../../platform/payload-codec';
import { ensureTemporalCli } from '../../../platform/temporal/cli';
import { ensureSearchAttributes } from '../../../platform/temporal/dev-server';
import { temporalAt } from '../../../platform/temporal/connection';
import { TEST_RATE_LIMITS } from '../api/api-client';
import { queueActivities, type WorkerActivities } from '../../../workers/activities';
import { createWorkers } from '../../../workers/workers';
import { getStack, type TestStack } from '../../harness/stack';
import { vm } from '../api/api-client';

describe('payload encryption, with the codec endpoint', () => {
  const namespace = `encrypted-${Date.now().toString(36)}`;
  const keys = parseEncryptionKeys(`test-1:${randomBytes(32).toString('base64')}`);
  const dataConverter = payloadDataConverter(keys)!;
  const vmName = `enc-${Date.now().toString(36)}`;
  let stack: TestStack;
  let activities: WorkerActivities | undefined;
  let workers: Worker[] = [];
  let running: Promise<unknown>[] = [];
  let api: ApiService | undefined;
  let operator: string;
  let requester: string;
  let workflowId: string;
  let temporal: (args: string[]) => Promise<string>;

  const call = (method: string, urlPath: string, token?: string, body?: unknown) =>
    fetch(`${api!.url}${urlPath}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  before(async function () {
    this.timeout(180_000);
    stack = await getStack();
    await stack.client.connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await ensureSearchAttributes(
      temporalAt(stack.temporalAddress, namespace),
      loadDevConfig().searchAttributes,
    );
    const client = new Client({ connection: stack.client.connection, namespace, dataConverter });
    // A namespace just registered takes a moment to reach every part of the server.
    await waitFor('the new namespace', async () => Boolean(await client.workflow.count()), 30_000, 500);

    activities = queueActivities({
      pool: stack.pool,
      library: stack.library,
      endSystems: loadEndSystemsConfig(stack.endSystemsEnv),
      rfm: loadRfmConfig({
        RFM_GIT_BASE_URL: pathToFileURL(path.join(stack.tmpDir, 'git')).href,
        RFM_GIT_WORK_DIR: path.join(stack.tmpDir, 'rfm-work-encrypted'),
      }),
    });
    workers = await createWorkers({
      connection: stack.nativeConnection,
      namespace,
      workflowBundle: stack.workflowBundle,
      activities: activities.byQueue,
      dataConverter,
      shutdownGraceTimeMs: 1_000,
    });
    running = workers.map((w) => w.run());
    api = await startApiService({
      temporal: client,
      namespace,
      pool: stack.pool,
      log: createLogger('api-encrypted', 'silent', stack.requestLog),
      temporalUiUrl: 'http://ui.test',
      publicUrl: 'http://api.test',
      host: '127.0.0.1',
      port: 0,
      // Its sweep would start other suites' waiting requests in this namespace.
      sweepMs: false,
      limits: TEST_RATE_LIMITS,
      codec: dataConverter.payloadCodecs[0]!,
    });
    operator = (
      await issueToken(stack.pool, { subject: 'enc-operator@example.test', role: 'operator' }, 'test')
    ).token;
    requester = (
      await issueToken(stack.pool, { subject: 'enc-requester@example.test', role: 'requester' }, 'test')
    ).token;

    const submitted = await call('POST', '/v1/requests', requester, { resources: [vm(vmName)] });
    assert.equal(submitted.status, 202, await submitted.clone().text());
    const { requestId, traceId } = (await submitted.json()) as { requestId: string; traceId: string };
    workflowId = `${traceId}/${requestId}`;
    await waitFor(
      `request ${requestId} to succeed`,
      async () => {
        const status = (
          (await (await call('GET', `/v1/requests/${requestId}`, requester)).json()) as { status: string }
        ).status;
        assert.ok(!['failed', 'cancelled'].includes(status), `request ${requestId} ${status}`);
        return status === 'succeeded';
      },
      120_000,
      250,
    );
    const cli = ensureTemporalCli();
    temporal = async (args) =>
      (
        await promisify(execFile)(
          cli,
          [...args, '--address', stack.temporalAddress, '--namespace', namespace],
          {
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          },
        )
      ).stdout;
  });

  after(async () => {
    await api?.close();
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(running);
    await activities?.close();
  });

  /** Every payload (an object with `metadata.encoding`) in a history as `--output json` prints it. */
  function payloadsIn(value: unknown, found: { metadata: Record<string, string>; data?: string }[] = []) {
    if (Array.isArray(value)) for (const v of value) payloadsIn(v, found);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const metadata = o.metadata as Record<string, unknown> | undefined;
      if (metadata && typeof metadata.encoding === 'string') found.push(o as never);
      // A local activity's marker: its `data` is the SDK's own record of the call (sequence number,
      // attempt, activity type, times), written plain; its `result` is ours, and encrypted.
      else if (typeof o.markerName === 'string')
        payloadsIn((o.details as Record<string, unknown> | undefined)?.result, found);
      // Headers (the metrics interceptor's template name) are the interceptors' own, not encoded.
      else for (const [k, v] of Object.entries(o)) if (k !== 'header') payloadsIn(v, found);
    }
    return found;
  }

  it('keeps the request and its template in history as ciphertext, naming the key', async () => {
    for (const id of [workflowId, `${workflowId}/vm-create-unmanaged[${vmName}]`]) {
      const shown = await temporal(['workflow', 'show', '--workflow-id', id, '--output', 'json']);
      assert.ok(shown.includes('"workflowExecutionStartedEventAttributes"'), `the history of ${id} is shown`);
      // The name is in the template's and the resource workflow's IDs (IDs are not payloads): nowhere else.
      assert.ok(
        !shown
          .replaceAll(`[${vmName}]`, '[…]')
          .replaceAll(`/resource/virtual_machine/${vmName}`, '/resource/virtual_machine/…')
          .includes(vmName),
        `no plain VM name in the history of ${id}`,
      );
      // Search attributes (a `type` in their metadata) stay plain: the server indexes them.
      const payloads = payloadsIn(JSON.parse(shown)).filter((p) => p.metadata.type === undefined);
      assert.ok(payloads.length >= 5, `the history of ${id} has payloads`);
      for (const p of payloads) {
        const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('latin1');
        assert.equal(
          text(p.metadata.encoding),
          ENCRYPTED_ENCODING,
          `every payload is encrypted: ${JSON.stringify(p)}`,
        );
        assert.equal(text(p.metadata['encryption-key-id']), 'test-1', 'and names its key');
        assert.ok(!text(p.data).includes(vmName));
      }
    }
  });

  it('shows it in the clear through the codec endpoint, with an operator token', async () => {
    const shown = await temporal([
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--codec-endpoint',
      `${api!.url}/codec`,
      '--codec-auth',
      `Bearer ${operator}`,
    ]);
    assert.ok(shown.includes(vmName), 'the request input, decoded, names the VM');
  });

  it('decodes for operators and admins only', async () => {
    const sealed = await dataConverter.payloadCodecs[0]!.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(vmName)) },
    ]);
    const body = {
      payloads: sealed.map((p) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(p.data!).toString('base64'),
      })),
    };
    assert.equal((await call('POST', '/codec/decode', undefined, body)).status, 401);
    assert.equal((await call('POST', '/codec/decode', requester, body)).status, 403);
    const decoded = await call('POST', '/codec/decode', operator, body);
    assert.equal(decoded.status, 200);
    const [payload] = ((await decoded.json()) as { payloads: { data: string }[] }).payloads;
    assert.equal(Buffer.from(payload!.data, 'base64').toString(), JSON.stringify(vmName));
    const tampered = structuredClone(body);
    tampered.payloads[0]!.data = Buffer.from('x'.repeat(40)).toString('base64');
    assert.equal((await call('POST', '/codec/decode', operator, tampered)).status, 422);
  });
});
