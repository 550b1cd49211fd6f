/**
 * The request workflow's start after the answer (api/starter.ts): nothing recorded is left
 * unstarted, nothing is started twice, a start Temporal refuses for good fails the request, and a
 * request still waiting for its start can be read and cancelled.
 */
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { ulid } from 'ulid';
import { insertRequest } from '../../../api/routes/requests/store';
import { createWorkflowStarter, fairnessKeyOf, type WorkflowStarter } from '../../../api/starter';
import { requestIdFrom, requestWorkflowId, traceIdFrom } from '../../../common/ids';
import type { RequestWorkflowInput } from '../../../common/request';
import { createLogger } from '../../../platform/logger';
import { waitFor } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi, vm, waitForWorkflow, type TestApi } from './api-client';

const log = createLogger('starter-test', 'silent');

/** A recorded request of no resources (its workflow ends at once), left waiting for its start. */
async function recorded(stack: TestStack, traceId = traceIdFrom(ulid())) {
  const requestId = requestIdFrom(ulid());
  const input: RequestWorkflowInput = {
    traceId,
    requestId,
    requester: 'starter-test@example.test',
    requesterRole: 'requester',
    requesterGroups: [],
    resources: [],
    notify: [],
    fileUrl: `http://api.test/v1/requests/${requestId}/file`,
    statusUrl: `http://api.test/v1/requests/${requestId}`,
  };
  const workflowId = requestWorkflowId(traceId, requestId);
  const outcome = await insertRequest(stack.pool, {
    traceId,
    requestId,
    requester: input.requester,
    workflowId,
    resourceTypes: [],
    claims: [],
    file: Buffer.from('{"resources":[]}'),
    workflowInput: input,
  });
  assert.ok(outcome.created);
  return { requestId, traceId, workflowId, input };
}

async function waiting(stack: TestStack, requestId: string) {
  const { rows } = await stack.pool.query(
    'SELECT attempts, last_error, next_attempt_at > now() AS later, leased_until FROM request_starts WHERE request_id = $1',
    [requestId],
  );
  return rows[0] as { attempts: number; last_error: string | null; later: boolean } | undefined;
}

async function ledgerStatus(stack: TestStack, requestId: string): Promise<string> {
  const { rows } = await stack.pool.query('SELECT status FROM requests WHERE request_id = $1', [requestId]);
  return rows[0].status as string;
}

async function runsOf(stack: TestStack, workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n++;
  return n;
}

describe('starting request workflows after the answer', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let starter: WorkflowStarter;

  before(async () => {
    stack = await getStack();
    starter = createWorkflowStarter({ temporal: stack.client, pool: stack.pool, log });
  });

  it('records the submission and its pending start in one statement, then starts it once', async () => {
    const r = await recorded(stack);
    assert.equal((await waiting(stack, r.requestId))?.attempts, 0);
    // As the submitting process does, twice: one start.
    starter.kick(r.requestId, r.input);
    starter.kick(r.requestId, r.input);
    await starter.idle();
    assert.equal(await waiting(stack, r.requestId), undefined, 'started: no longer waiting');
    await stack.client.workflow.getHandle(r.workflowId).result();
    assert.equal(await ledgerStatus(stack, r.requestId), 'succeeded');
    assert.equal(await runsOf(stack, r.workflowId), 1);
    // Its tree shares the task queues fairly with other requesters' (docs/waits.md).
    const { priority } = await stack.client.workflow.getHandle(r.workflowId).describe();
    assert.equal(priority?.fairnessKey, r.input.requester);
  });

  it('gives a requester of more than 64 bytes a fairness key of 64', () => {
    const long = `${'x'.repeat(60)}@example.test`;
    assert.equal(fairnessKeyOf(long).length, 64);
    assert.equal(fairnessKeyOf(long), fairnessKeyOf(long));
    assert.notEqual(fairnessKeyOf(long), fairnessKeyOf(`y${long}`));
  });

  it('counts a start of a workflow that already ran as started, and never runs it again', async () => {
    const r = await recorded(stack);
    assert.equal(await starter.startNow(r.requestId), true);
    await stack.client.workflow.getHandle(r.workflowId).result();
    // A stale pending start (a process that died after starting, before deleting its row).
    await stack.pool.query(
      `INSERT INTO request_starts (request_id, input, next_attempt_at) VALUES ($1, $2::jsonb, now())`,
      [r.requestId, JSON.stringify(r.input)],
    );
    assert.equal(await starter.startNow(r.requestId), true);
    assert.equal(await waiting(stack, r.requestId), undefined);
    await waitFor('visibility to list the run', async () => (await runsOf(stack, r.workflowId)) >= 1);
    assert.equal(await runsOf(stack, r.workflowId), 1, 'one run, not a second');
  });

  it('keeps a start Temporal cannot take yet, with its error and a later attempt, and a sweep starts it', async () => {
    const r = await recorded(stack);
    // A Temporal that does not answer: nothing listens on this address.
    const unreachable = new Client({
      // No retries inside one attempt: the starter's own backoff is what is tested.
      connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] }),
      namespace: stack.namespace,
    });
    const failing = createWorkflowStarter({ temporal: unreachable, pool: stack.pool, log });
    const fresh = await recorded(stack);
    /** The time passes: its next attempt is due. */
    const due = (requestId: string) =>
      stack.pool.query('UPDATE request_starts SET next_attempt_at = now() WHERE request_id = $1', [
        requestId,
      ]);
    failing.kick(r.requestId);
    await failing.idle();
    assert.equal(
      (await waiting(stack, r.requestId))?.attempts,
      0,
      'a sweep leaves it to its submitter at first',
    );
    await due(r.requestId);
    // As the submitting process kicks it (with the input in hand), and as a sweep does (from the row).
    failing.kick(fresh.requestId, fresh.input);
    failing.kick(r.requestId);
    await failing.idle();
    for (const id of [fresh.requestId, r.requestId]) {
      const left = await waiting(stack, id);
      assert.equal(left?.attempts, 1, id);
      assert.ok(left?.last_error, 'the error is kept');
      assert.equal(left?.later, true, 'the next attempt is later');
      assert.equal(await ledgerStatus(stack, id), 'received');
    }
    failing.kick(r.requestId);
    await failing.idle();
    assert.equal((await waiting(stack, r.requestId))?.attempts, 1, 'not before its next attempt is due');
    await due(r.requestId);
    failing.kick(r.requestId);
    await failing.idle();
    assert.equal((await waiting(stack, r.requestId))?.attempts, 2);
    await stack.pool.query('DELETE FROM requests WHERE request_id = $1', [fresh.requestId]);

    // Temporal answers again; a sweeping process takes it.
    await due(r.requestId);
    const stop = starter.sweepEvery(100);
    try {
      await waitFor(
        'the sweep to start it',
        async () => (await waiting(stack, r.requestId)) === undefined,
        20_000,
        50,
      );
    } finally {
      await stop();
    }
    await stack.client.workflow.getHandle(r.workflowId).result();
    assert.equal(await ledgerStatus(stack, r.requestId), 'succeeded');
  });

  it('fails the request with Temporal’s reason when Temporal refuses the start for good', async () => {
    // A workflow ID longer than Temporal accepts (1,000 characters).
    const r = await recorded(stack, `trc_${'X'.repeat(1_100)}`);
    assert.equal(await starter.startNow(r.requestId), false);
    assert.equal(await waiting(stack, r.requestId), undefined, 'no longer waiting');
    const { rows } = await stack.pool.query('SELECT status, outcome FROM requests WHERE request_id = $1', [
      r.requestId,
    ]);
    assert.equal(rows[0].status, 'failed');
    assert.match(rows[0].outcome.error.message, /could not be started/);
    const events = await stack.pool.query(
      'SELECT status FROM request_status_events WHERE request_id = $1 ORDER BY id',
      [r.requestId],
    );
    assert.deepEqual(
      events.rows.map((e) => e.status),
      ['received', 'failed'],
    );
  });

  it('answers a cancel with 503 and Retry-After while Temporal cannot take the request, which stays waiting', async () => {
    const unreachable = new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] }),
      namespace: stack.namespace,
    });
    const api = await startTestApi(stack, undefined, {
      starter: () => createWorkflowStarter({ temporal: unreachable, pool: stack.pool, log }),
      sweepMs: false,
    });
    try {
      const alice = await api.tokenFor('requester', `alice-down-${Date.now()}@example.test`);
      const res = await api.call<{ requestId: string; traceId: string }>('POST', '/v1/requests', {
        token: alice,
        body: { resources: [vm(`down-${Date.now().toString(36)}`)] },
      });
      assert.equal(res.status, 202, 'recorded although Temporal is away');
      const cancel = await api.call<{ error: { type: string } }>(
        'POST',
        `/v1/requests/${res.body.requestId}/cancel`,
        { token: alice },
      );
      assert.equal(cancel.status, 503);
      assert.equal(cancel.body.error.type, 'Unavailable');
      assert.equal(cancel.headers.get('retry-after'), '5');
      assert.ok((await waiting(stack, res.body.requestId))?.last_error, 'still waiting, with why');
      // Temporal is back: the request is started and ends (it is not left behind for other tests).
      assert.equal(await starter.startNow(res.body.requestId), true);
      await stack.client.workflow.getHandle(`${res.body.traceId}/${res.body.requestId}`).result();
    } finally {
      await api.close();
    }
  });

  describe('through the API, with the start held back', () => {
    let api: TestApi;
    let alice: string;

    before(async () => {
      // Kicks are dropped: the request stays waiting until something starts it.
      api = await startTestApi(stack, undefined, {
        starter: (real) => ({ ...real, kick: () => undefined }),
        sweepMs: false,
      });
      alice = await api.tokenFor('requester', `alice-starter-${Date.now()}@example.test`);
    });
    after(() => api.close());

    it('shows a waiting request as received and starting, and cancels it by starting then cancelling it', async () => {
      // Large enough to wait for the capacity team, so it is still running when cancelled.
      const name = `big-${Date.now().toString(36)}`;
      const res = await api.call<{ requestId: string; traceId: string }>('POST', '/v1/requests', {
        token: alice,
        body: { resources: [vm(name, { cpu: 16 })] },
      });
      assert.equal(res.status, 202);
      const read = await api.call<{ status: string; starting?: { attempts: number } }>(
        'GET',
        `/v1/requests/${res.body.requestId}`,
        { token: alice },
      );
      assert.equal(read.body.status, 'received');
      assert.deepEqual(read.body.starting?.attempts, 0);

      const cancel = await api.call('POST', `/v1/requests/${res.body.requestId}/cancel`, { token: alice });
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      const workflowId = `${res.body.traceId}/${res.body.requestId}`;
      await waitForWorkflow(stack.client, workflowId);
      await waitFor(
        'the ledger to say cancelled',
        async () => (await ledgerStatus(stack, res.body.requestId)) === 'cancelled',
        60_000,
      );
      assert.equal(await waiting(stack, res.body.requestId), undefined);
    });
  });
});
