/**
 * A plan that changed between the submission and the run (docs/plan-preview.md): a template the
 * workers run was edited since the API planned the request. A submission bound to a plan waits
 * for a decision on the new plan (shown with what changed, told by e-mail, in the event history),
 * runs only it once approved, and ends failed with nothing built when it is rejected; one bound to
 * none runs the new plan, whose approval steps ask on it; a resume retries the plan it runs.
 */
import assert from 'node:assert/strict';
import { issueToken } from '../../../api/auth/tokens';
import type { RequestPlan } from '../../../api/plan/planner';
import type { TemplatePlan } from '../../../common/template';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from './fixture';
import { portalSession } from '../portal/form-session';

interface Waiting {
  resource: string | null;
  stepId: string;
  planHash?: string;
  previousPlanHash?: string;
  changes?: { path: string; message: string }[];
}
interface View {
  status: string;
  plan: { planHash: string } | null;
  awaitingApproval?: Waiting;
  waiting: Waiting[];
  approvals: { stepId: string; decision: string; by: string; planHash?: string }[];
  planApprovals?: { planHash: string; asked: boolean; waiting: boolean }[];
  resources: { state: string; error?: { type?: string; message: string } }[];
}
interface ErrorBody {
  error: { type: string; message: string };
}

/** The capacity rule of the unmanaged VM template, tightened: every VM above 1 CPU needs it. */
const TIGHTER = '${steps.read.output.document.cpu > 1}';

describe('a plan changed before the run', () => {
  let t: E2e;
  let alice: string;
  let approver: string;
  let edit: () => void;
  let restore: () => void;
  before(async () => {
    t = await e2e();
    alice = await t.requester('alice-replan');
    approver = (
      await issueToken(
        t.stack.pool,
        { subject: 'cap-replan@example.test', role: 'approver', groups: ['capacity'] },
        'test',
      )
    ).token;
    // The workers' library only: the API planned with the template as it was, the run finds it edited.
    const library = t.stack.library;
    const plan = library.plan.bind(library);
    edit = () => {
      library.plan = (ref) => {
        const planned = plan(ref);
        if (ref.name !== 'vm-create-unmanaged') return planned;
        const edited = structuredClone(planned) as TemplatePlan;
        const step = edited.templates[edited.entry]!.steps.find((s) => s.id === 'capacity')!;
        step.when = TIGHTER;
        return edited;
      };
    };
    restore = () => {
      library.plan = plan;
    };
  });
  afterEach(() => restore());

  const view = async (requestId: string) =>
    (await t.api.call<View>('GET', `/v1/requests/${requestId}`, { token: alice })).body;
  const decide = (requestId: string, token: string, body: Record<string, unknown>) =>
    t.api.call<ErrorBody>('POST', `/v1/requests/${requestId}/approve`, { token, body });
  const until = async (requestId: string, what: string, test: (v: View) => boolean) => {
    let seen: View | undefined;
    await waitFor(what, async () => test((seen = await view(requestId))), 60_000, 250).catch(
      async (err: Error) => {
        const pending = await t.stack.client.workflow
          .getHandle((seen as unknown as { workflowId: string }).workflowId)
          .describe()
          .then((d) =>
            JSON.stringify(
              d.raw.pendingActivities?.map((a) => [a.activityType?.name, a.lastFailure?.message]),
            ),
          );
        throw new Error(
          `${err.message}; pending: ${pending}; the request: ${JSON.stringify(seen).slice(0, 1000)}`,
        );
      },
    );
    return seen!;
  };
  async function preview(name: string): Promise<RequestPlan> {
    const res = await t.api.call<RequestPlan>('POST', '/v1/requests/preview', {
      token: alice,
      body: { resources: [vm(name)] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  /** A portal session of `token`'s user: pages read and forms sent with its cookies. */
  const signedIn = (token: string) => portalSession(t.api.baseUrl, token);

  it('asks again, shows the new plan and what changed, and runs only the plan approved', async () => {
    const name = `replan-${Date.now().toString(36)}`;
    const previewed = await preview(name);
    edit();
    const { requestId } = await t.submit(alice, { resources: [vm(name)], planHash: previewed.planHash });
    const waiting = await until(
      requestId,
      'the changed plan to wait',
      (v) => v.awaitingApproval !== undefined,
    );
    const asked = waiting.awaitingApproval!;
    assert.equal(asked.stepId, 'plan');
    assert.equal(asked.previousPlanHash, previewed.planHash);
    assert.notEqual(asked.planHash, previewed.planHash);
    assert.equal(waiting.plan?.planHash, asked.planHash, 'the request shows the plan it waits on');
    const paths = asked.changes!.map((c) => c.path);
    assert.ok(paths.includes('plan.resources.0.template.digest'), paths.join());
    assert.ok(
      asked.changes!.some((c) => c.path.endsWith('when.condition') && c.message.includes(TIGHTER)),
      JSON.stringify(asked.changes),
    );
    assert.deepEqual(
      waiting.waiting.map((w) => w.stepId),
      ['plan'],
    );
    assert.equal(await t.liveAddresses(name), 0, 'nothing is prepared for a plan nobody agreed to');
    const mail = await t.stack.sims.mailbox.waitFor(
      (m) => m.text.includes(requestId) && m.subject.startsWith('Plan changed'),
    );
    assert.ok(mail.text.includes(asked.planHash!));

    // A decision on the plan it was submitted with is not taken; one on the new plan is.
    const stale = await decide(requestId, alice, {
      stepId: 'plan',
      decision: 'approve',
      planHash: previewed.planHash,
    });
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.equal(stale.body.error.type, 'PlanChanged');
    const otherRequester = await t.requester('bob-replan');
    const foreign = await decide(requestId, otherRequester, {
      stepId: 'plan',
      decision: 'approve',
      planHash: asked.planHash,
    });
    assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
    const approved = await decide(requestId, alice, {
      stepId: 'plan',
      decision: 'approve',
      planHash: asked.planHash,
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));

    // The edited template runs: its capacity step now asks, on the new plan.
    const capacity = await until(requestId, 'the capacity step to wait', (v) =>
      v.waiting.some((w) => w.stepId === 'capacity'),
    );
    assert.equal(capacity.waiting.find((w) => w.stepId === 'capacity')!.planHash, asked.planHash);
    const onOld = await decide(requestId, approver, {
      stepId: 'capacity',
      decision: 'approve',
      planHash: previewed.planHash,
    });
    assert.equal(onOld.status, 409, JSON.stringify(onOld.body));
    const yes = await decide(requestId, approver, {
      stepId: 'capacity',
      decision: 'approve',
      planHash: asked.planHash,
    });
    assert.equal(yes.status, 200, JSON.stringify(yes.body));
    const done = await t.settle(alice, requestId);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
    const after = await view(requestId);
    assert.deepEqual(
      after.approvals.map((a) => [a.stepId, a.decision, a.by, a.planHash]),
      [
        ['plan', 'approve', 'alice-replan@example.test', asked.planHash],
        ['capacity', 'approve', 'cap-replan@example.test', asked.planHash],
      ],
    );
    assert.equal(after.awaitingApproval, undefined);

    // The history tells the change and the decision, and carries no secret of the end systems.
    const { rows } = await t.stack.pool.query<{ data: unknown }>(
      "SELECT data FROM request_events WHERE request_id = $1 AND type = 'plan' ORDER BY seq",
      [requestId],
    );
    const told = rows.map(
      (r) => r.data as { planHash: string; waiting: boolean; decision?: { decision: string } },
    );
    assert.deepEqual(
      told.map((p) => [p.planHash, p.waiting, p.decision?.decision]),
      [
        [asked.planHash, true, undefined],
        [asked.planHash, false, 'approve'],
      ],
    );
    const { rows: all } = await t.stack.pool.query<{ data: unknown }>(
      'SELECT data FROM request_events WHERE request_id = $1',
      [requestId],
    );
    const history = JSON.stringify(all);
    for (const [key, secret] of Object.entries(t.stack.endSystemsEnv))
      if (/PASSWORD|TOKEN|SECRET/.test(key) && secret) assert.ok(!history.includes(secret), key);
  });

  it('ends failed with nothing built when the changed plan is rejected', async () => {
    const name = `replan-no-${Date.now().toString(36)}`;
    const previewed = await preview(name);
    edit();
    const { requestId } = await t.submit(alice, { resources: [vm(name)], planHash: previewed.planHash });
    const waiting = await until(
      requestId,
      'the changed plan to wait',
      (v) => v.awaitingApproval !== undefined,
    );
    // Decided in the portal: the request's page shows the new plan and what changed.
    const portal = await signedIn(alice);
    const page = (await portal.send(`/requests/${requestId}`)).text;
    assert.match(page, /The plan changed: decide on the new one/);
    assert.ok(page.includes(`name="planHash" value="${waiting.awaitingApproval!.planHash}"`));
    assert.ok(page.includes('plan.resources.0.template.digest'));
    assert.ok(page.includes('The new plan'));
    const no = await portal.send(`/requests/${requestId}/approve`, {
      _csrf: portal.field(page, '_csrf'),
      stepId: 'plan',
      planHash: waiting.awaitingApproval!.planHash!,
      comment: 'not with that rule',
      decision: 'reject',
    });
    assert.equal(no.status, 303, no.text.slice(0, 500));
    const done = await t.settle(alice, requestId);
    assert.equal(done.status, 'failed');
    const after = await view(requestId);
    assert.equal(after.resources[0]!.error?.type, 'ApprovalDenied');
    assert.match(
      after.resources[0]!.error!.message,
      /rejected by alice-replan@example.test: not with that rule/,
    );
    assert.equal(await t.liveAddresses(name), 0);
    assert.equal((await t.vcenter.listVms({ names: name })).length, 0);
  });

  it('runs the new plan of a submission bound to none, its approval steps asking on it', async () => {
    const name = `replan-free-${Date.now().toString(36)}`;
    edit();
    const { requestId } = await t.submit(alice, { resources: [vm(name)] });
    const capacity = await until(requestId, 'the capacity step to wait', (v) =>
      v.waiting.some((w) => w.stepId === 'capacity'),
    );
    assert.deepEqual(
      capacity.planApprovals!.map((p) => [p.asked, p.waiting]),
      [[false, false]],
    );
    const newHash = capacity.planApprovals![0]!.planHash;
    assert.equal(capacity.waiting.find((w) => w.stepId === 'capacity')!.planHash, newHash);
    assert.equal(capacity.plan?.planHash, newHash);
    const no = await decide(requestId, approver, {
      stepId: 'capacity',
      decision: 'reject',
      planHash: newHash,
    });
    assert.equal(no.status, 200, JSON.stringify(no.body));
    assert.equal((await t.settle(alice, requestId)).status, 'failed');
  });

  it('retries, after a resume, the plan it runs: a template edited while it paused does not reach it', async () => {
    const name = `replan-pause-${Date.now().toString(36)}`;
    const previewed = await preview(name);
    const clear = t.failAwxFor(name, 'vCenter datastore ds-04 is full');
    const { requestId } = await t.submit(alice, {
      resources: [vm(name)],
      planHash: previewed.planHash,
      onFailure: 'pause',
    });
    await until(requestId, 'the request to pause', (v) => v.status === 'paused');
    edit();
    clear();
    const res = await t.api.call('POST', `/v1/requests/${requestId}/resume`, {
      token: alice,
      body: { action: 'retry' },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const done = await t.settle(alice, requestId);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
    const after = await view(requestId);
    assert.equal(after.planApprovals, undefined, 'nothing to ask: the plan it runs is the one submitted');
    assert.equal(after.plan?.planHash, previewed.planHash);
    assert.deepEqual(after.approvals, [], 'the edited capacity rule never applied');
  });
});
