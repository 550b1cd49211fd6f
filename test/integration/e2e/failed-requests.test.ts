/**
 * Failed requests through the API: paused at the failed step and resumed (retry, abort, timeout),
 * who may resume, re-run once, and one unfinished request per resource.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e, type RequestView } from './fixture';

interface PausedView extends RequestView {
  pause?: {
    paused: { resource: string; stepId: string; error: { message: string }; deadline: string }[];
    waysOut: { action: string; href: string }[];
  };
  resumes: { action: string; by: string; at: string }[];
}

describe('failed requests: pause, resume, re-run once', () => {
  let t: E2e;
  let fay: string;
  before(async () => {
    t = await e2e();
    fay = await t.requester('fay');
  });

  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;
  const view = async (requestId: string, token = fay) =>
    (await t.api.call<PausedView>('GET', `/v1/requests/${requestId}`, { token })).body;
  const resume = (requestId: string, body: unknown, token = fay) =>
    t.api.call<{ action?: string; by?: string; error?: { type: string; message: string } }>(
      'POST',
      `/v1/requests/${requestId}/resume`,
      { token, body },
    );
  const untilPaused = (requestId: string) =>
    waitFor(
      `request ${requestId} to pause`,
      async () => (await view(requestId)).status === 'paused',
      90_000,
      250,
    );
  /** The states of the AWX jobs that built `name` (its configuration job is another). */
  const awxJobsFor = (name: string) =>
    Object.values(t.stack.sims.world.state.awx.jobs)
      .filter((j) => j.name === 'vm-create' && j.extra_vars.includes(`"${name}"`))
      .map((j) => j.status)
      .sort();
  async function commitsOf(workflowId: string): Promise<number> {
    const history = await t.stack.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'rfm:commit-resource',
    ).length;
  }

  it('pauses at the failed step with the reason and the ways out; retry runs it again and the request succeeds', async () => {
    const name = unique('pause');
    const clear = t.failAwxFor(name, 'vCenter datastore ds-03 is full');
    const { requestId, traceId } = await t.submit(fay, { resources: [vm(name)], onFailure: 'pause' });
    await untilPaused(requestId);
    const paused = await view(requestId);
    const [pause] = paused.pause!.paused;
    assert.equal(pause!.resource, name);
    assert.equal(pause!.stepId, 'build');
    assert.match(pause!.error.message, /vCenter datastore ds-03 is full/);
    assert.ok(Date.parse(pause!.deadline) > Date.now() + 23 * 3600 * 1000, 'waits 24 hours by default');
    assert.deepEqual(
      paused.pause!.waysOut.map((w) => w.action),
      ['retry', 'abort'],
    );
    assert.deepEqual(awxJobsFor(name), ['failed']);
    assert.equal(await t.liveAddresses(name), 1, 'nothing undone while paused');

    clear();
    const res = await resume(requestId, { action: 'retry' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.by, 'fay@example.test');
    const done = await t.settle(fay, requestId);
    await t.record('request-pause-retry', traceId);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
    assert.deepEqual(awxJobsFor(name), ['failed', 'successful']);
    assert.equal(await commitsOf(`${traceId}/${requestId}`), 1, 'no second commit');
    const after = await view(requestId);
    assert.deepEqual(
      after.resumes.map((r) => [r.action, r.by]),
      [['retry', 'fay@example.test']],
    );
    assert.equal(
      (
        await t.api.call('POST', `/v1/requests/${requestId}/resume`, {
          token: fay,
          body: { action: 'retry' },
        })
      ).status,
      409,
      'no longer paused',
    );
  });

  it('abort undoes what was built and fails the request; a cancel while paused aborts too', async () => {
    const name = unique('abort');
    const clear = t.failAwxFor(name, 'no capacity');
    try {
      const first = await t.submit(fay, { resources: [vm(name)], onFailure: 'pause' });
      await untilPaused(first.requestId);
      assert.equal((await resume(first.requestId, { action: 'abort' })).status, 202);
      const failed = await t.settle(fay, first.requestId);
      await t.record('request-pause-abort', first.traceId);
      assert.equal(failed.status, 'failed');
      assert.match(failed.resources[0]!.error!.message, /no capacity/);
      assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
      assert.equal(await t.liveAddresses(name), 0);

      const second = await t.submit(fay, { resources: [vm(name)], onFailure: 'pause' });
      await untilPaused(second.requestId);
      assert.equal(
        (await t.api.call('POST', `/v1/requests/${second.requestId}/cancel`, { token: fay })).status,
        202,
      );
      assert.equal((await t.settle(fay, second.requestId)).status, 'cancelled');
      assert.equal(await t.liveAddresses(name), 0);
    } finally {
      clear();
    }
  });

  it('a pause that times out aborts', async () => {
    const name = unique('timeout');
    const clear = t.failAwxFor(name, 'no capacity');
    try {
      const { requestId, traceId } = await t.submit(fay, {
        resources: [vm(name)],
        onFailure: 'pause',
        pauseTimeout: '3 seconds',
      });
      const failed = await t.settle(fay, requestId);
      await t.record('request-pause-timeout', traceId);
      assert.equal(failed.status, 'failed');
      assert.equal(await t.liveAddresses(name), 0);
      const history = await t.stack.pool.query(
        'SELECT status FROM request_status_events WHERE request_id = $1 ORDER BY id',
        [requestId],
      );
      assert.deepEqual(
        history.rows.map((r) => r.status),
        ['received', 'running', 'paused', 'running', 'failed'],
      );
    } finally {
      clear();
    }
  });

  it('refuses bad resumes and an unknown onFailure, naming the field or the state, changing nothing', async () => {
    const bad = await t.api.call<{ error: { fields: { path: string }[] } }>('POST', '/v1/requests', {
      token: fay,
      body: { resources: [vm(unique('bad'))], onFailure: 'ignore' },
    });
    assert.equal(bad.status, 400);
    assert.ok(
      bad.body.error.fields.some((f) => f.path === 'body.onFailure'),
      JSON.stringify(bad.body),
    );

    const name = unique('guard');
    const clear = t.failAwxFor(name, 'no capacity');
    try {
      const { requestId } = await t.submit(fay, { resources: [vm(name)], onFailure: 'pause' });
      await untilPaused(requestId);
      const unknown = await t.api.call<{ error: { fields: { path: string }[] } }>(
        'POST',
        `/v1/requests/${requestId}/resume`,
        { token: fay, body: { action: 'skip' } },
      );
      assert.equal(unknown.status, 400);
      assert.ok(
        unknown.body.error.fields.some((f) => f.path === 'body.action'),
        JSON.stringify(unknown.body),
      );
      const approver = await t.api.tokenFor('approver');
      assert.equal((await resume(requestId, { action: 'abort' }, approver)).status, 403);
      assert.equal((await view(requestId)).status, 'paused', 'nothing changed');
      const operator = await t.api.tokenFor('operator');
      const byOperator = await resume(requestId, { action: 'abort' }, operator);
      assert.equal(byOperator.status, 202, JSON.stringify(byOperator.body));
      assert.equal((await t.settle(fay, requestId)).status, 'failed');
      const notPaused = await resume(requestId, { action: 'retry' });
      assert.equal(notPaused.status, 409);
      assert.match(notPaused.body.error!.message, /failed, not paused/);
    } finally {
      clear();
    }
  });

  it('re-runs a failed request once: a second re-run returns the first; 80 at once of a managed one make one', async () => {
    const makeFailed = async (managed: boolean) => {
      const name = unique('once');
      const clear = managed ? t.failTfeFor(name, 'no capacity') : t.failAwxFor(name, 'no capacity');
      const { requestId } = await t.submit(fay, { resources: [vm(name, { managed })] });
      assert.equal((await t.settle(fay, requestId)).status, 'failed');
      clear();
      return requestId;
    };
    const rerun = (id: string) =>
      t.api.call<{ requestId: string; repeated?: boolean }>('POST', `/v1/requests/${id}/rerun`, {
        token: fay,
      });

    const failed = await makeFailed(false);
    const first = await rerun(failed);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const second = await rerun(failed);
    assert.equal(second.status, 200);
    assert.equal(second.body.requestId, first.body.requestId);
    assert.equal(second.body.repeated, true);
    assert.equal((await t.settle(fay, first.body.requestId)).status, 'succeeded');

    // As an API testing tool did it (issue 15): 80 re-runs of one failed managed build at once.
    const another = await makeFailed(true);
    const answers = await Promise.all(Array.from({ length: 80 }, () => rerun(another)));
    const made = new Set(answers.map((a) => a.body.requestId));
    assert.equal(made.size, 1, JSON.stringify(answers.map((a) => [a.status, a.body])));
    assert.equal(answers.filter((a) => a.status === 202).length, 1);
    assert.equal(answers.filter((a) => a.status === 200 && a.body.repeated === true).length, 79);
    const { rows } = await t.stack.pool.query('SELECT count(*)::int AS n FROM requests WHERE rerun_of = $1', [
      another,
    ]);
    assert.equal(rows[0].n, 1);
    assert.equal((await t.settle(fay, [...made][0]!)).status, 'succeeded');
  });

  it('refuses a request on a resource another unfinished request is acting on, naming that request', async () => {
    const name = unique('claim');
    const built = await t.submit(fay, { resources: [vm(name)] });
    assert.equal((await t.settle(fay, built.requestId)).status, 'succeeded');
    const removal = { resources: [{ type: 'virtual_machine', action: 'delete', name }] };
    const clear = t.failAwxFor(name, 'host in maintenance');
    try {
      const { requestId } = await t.submit(fay, { ...removal, onFailure: 'pause' });
      await untilPaused(requestId);
      const again = await t.api.call<{ error: { type: string; message: string } }>('POST', '/v1/requests', {
        token: fay,
        body: removal,
      });
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.ok(again.body.error.message.includes(requestId), again.body.error.message);
      assert.equal((await resume(requestId, { action: 'abort' })).status, 202);
      assert.equal((await t.settle(fay, requestId)).status, 'failed');
    } finally {
      clear();
    }
    // Released with the final status: the same resource may be acted on again.
    const later = await t.submit(fay, removal);
    assert.equal((await t.settle(fay, later.requestId)).status, 'succeeded');
    assert.deepEqual(await t.vcenter.listVms({ names: name }), []);
  });
});
