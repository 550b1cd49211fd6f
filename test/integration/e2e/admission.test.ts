/**
 * Admission per requester, end to end (docs/waits.md): with one place per requester, a requester's
 * second request waits its turn (status `received`, `queued` saying behind what) while their first
 * holds the place; another requester's request is not held up; the first's end admits the second,
 * which then builds. A cancel while queued ends the request cancelled and frees nothing it held.
 */
import assert from 'node:assert/strict';
import { issueToken } from '../../../api/auth/tokens';
import { waitFor } from '../../../platform/net';
import { portalSession } from '../portal/form-session';
import { e2e, vm, type E2e } from './fixture';

interface View {
  status: string;
  queued?: { since: string; ahead: number; running: number; limit: number };
  resources: { progress?: { steps: { id: string; state: string }[] } }[];
}

describe('admission per requester: one place each', function () {
  this.timeout(240_000);
  let t: E2e;
  let admin: string;
  let before_: number;
  const stamp = Date.now().toString(36);
  const setPlaces = (n: number) =>
    t.api.call('PUT', '/v1/admin/settings', { token: admin, body: { runningPerRequester: n } });
  const view = async (token: string, requestId: string) =>
    (await t.api.call<View>('GET', `/v1/requests/${requestId}`, { token })).body;

  before(async () => {
    t = await e2e();
    admin = await t.api.tokenFor('admin');
    before_ = (
      await t.api.call<{ runningPerRequester: number }>('GET', '/v1/admin/settings', { token: admin })
    ).body.runningPerRequester;
    assert.equal((await setPlaces(1)).status, 200);
  });
  after(async () => {
    if (admin) await setPlaces(before_);
  });

  it("queues a requester's second request behind their first, not another requester's", async () => {
    const dana = await t.requester(`dana-${stamp}`);
    const erin = await t.requester(`erin-${stamp}`);
    // The first holds Dana's place while its capacity approval waits.
    const big = await t.submit(dana, { resources: [vm(`adm-big-${stamp}`, { cpu: 12, memoryGb: 32 })] });
    await waitFor(
      'the capacity step to wait',
      async () =>
        (await view(dana, big.requestId)).resources[0]?.progress?.steps.some(
          (s) => s.id === 'capacity' && s.state === 'running',
        ) ?? false,
      60_000,
      250,
    );
    const second = await t.submit(dana, { resources: [vm(`adm-second-${stamp}`)] });
    const third = await t.submit(dana, { resources: [vm(`adm-third-${stamp}`)] });
    let queued: View | undefined;
    await waitFor(
      'the third request to say it is queued',
      async () => (queued = await view(dana, third.requestId)).queued !== undefined,
      30_000,
      250,
    );
    assert.equal(queued!.status, 'received');
    assert.deepEqual(
      { ...queued!.queued, since: undefined },
      { since: undefined, ahead: 1, running: 1, limit: 1 },
    );
    // The portal says the same in words.
    const page = (await (await portalSession(t.api.baseUrl, dana)).send(`/requests/${third.requestId}`)).text;
    assert.match(
      page.replace(/\s+/g, ' '),
      /Waiting for its turn: 1 of dana-\S+ requests are in progress, at most 1 at once, and 1 more wait before this one/,
    );

    // Erin's request runs beside Dana's, start to end.
    const other = await t.submit(erin, { resources: [vm(`adm-other-${stamp}`)] });
    assert.equal((await t.settle(erin, other.requestId, 90_000)).status, 'succeeded');
    assert.equal((await view(dana, second.requestId)).status, 'received', "Dana's second still waits");

    // Dana cancels the third while it waits: it ends cancelled, having built nothing.
    assert.equal(
      (await t.api.call('POST', `/v1/requests/${third.requestId}/cancel`, { token: dana })).status,
      202,
    );
    const cancelled = await t.settle(dana, third.requestId, 60_000);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(await t.liveAddresses(`adm-third-${stamp}`), 0);

    // The approval ends the first; its end admits the second, which builds.
    const capacity = (
      await issueToken(
        t.stack.pool,
        { subject: `cap-${stamp}@example.test`, role: 'approver', groups: ['capacity'] },
        'test',
      )
    ).token;
    const approved = await t.api.call('POST', `/v1/requests/${big.requestId}/approve`, {
      token: capacity,
      body: { stepId: 'capacity', decision: 'approve' },
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal((await t.settle(dana, big.requestId, 90_000)).status, 'succeeded');
    const done = await t.settle(dana, second.requestId, 90_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
    const { rows } = await t.stack.pool.query(
      'SELECT count(*)::int AS n FROM request_admissions WHERE requester = $1',
      [`dana-${stamp}@example.test`],
    );
    assert.equal(rows[0].n, 0, 'every place given back');
  });
});
