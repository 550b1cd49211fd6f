/**
 * The plan preview (docs/plan-preview.md): what it shows is what a submission bound to its hash
 * builds; it leaves nothing behind and calls no end system; a submission whose plan changed since
 * is refused naming what changed; an approval of one plan is not applied to another.
 */
import assert from 'node:assert/strict';
import { createAwxDeps } from '../../../activities/awx';
import { issueToken } from '../../../api/auth/tokens';
import type { RequestPlan } from '../../../api/plan/planner';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { waitFor } from '../../../platform/net';
import { loadCatalogSnapshot, setPlacementRule } from '../../../resource-handlers/store';
import { decideUpdate } from '../../../workflows/definitions';
import { e2e, vm, type E2e } from '../e2e/fixture';
import { portalSession } from '../portal/form-session';

interface ErrorBody {
  error: { type: string; message: string; fields?: { path: string; message: string }[] };
}

/** What every end system has been asked so far, by `system METHOD path`. */
async function endSystemCalls(t: E2e): Promise<Record<string, number>> {
  return (await (await fetch(`${t.stack.sims.adminUrl}/_sim/requests`)).json()) as Record<string, number>;
}

/** Rows anywhere that a request or a resource would leave: ledger, addresses, claims, resources. */
async function traces(t: E2e, name: string): Promise<number[]> {
  const counts = await Promise.all(
    [
      `SELECT count(*)::int AS n FROM requests WHERE body::text LIKE '%"' || $1 || '"%'`,
      'SELECT count(*)::int AS n FROM ip_allocations WHERE resource_name = $1',
      'SELECT count(*)::int AS n FROM resource_claims WHERE name = $1',
      'SELECT count(*)::int AS n FROM resources WHERE name = $1',
    ].map((sql) => t.stack.pool.query(sql, [name])),
  );
  return counts.map((r) => r.rows[0].n as number);
}

describe('plan preview', () => {
  let t: E2e;
  let alice: string;
  before(async () => {
    t = await e2e();
    alice = await t.requester('alice-plan');
  });

  const preview = (body: unknown, token = alice) =>
    t.api.call<RequestPlan & ErrorBody>('POST', '/v1/requests/preview', { token, body });

  it('shows a VM, leaves nothing behind, and a submission bound to it builds exactly that', async () => {
    const name = `plan-${Date.now().toString(36)}`;
    const before = await endSystemCalls(t);
    const previewed = await preview({ resources: [vm(name)] });
    assert.equal(previewed.status, 200, JSON.stringify(previewed.body));
    const plan = previewed.body;
    assert.match(plan.planHash, /^sha256:[0-9a-f]{64}$/);
    const [r] = plan.resources;
    assert.equal(r!.template.name, 'vm-create-unmanaged');
    assert.deepEqual(
      r!.steps.map((s) => [s.id, s.wave]),
      [
        ['read', 0],
        ['capacity', 1],
        ['renderCreate', 1],
        ['renderDelete', 1],
        ['renderConfigure', 1],
        ['build', 2],
        ['find', 3],
        ['vm', 4],
        ['configure', 5],
      ],
    );
    const capacity = r!.steps.find((s) => s.id === 'capacity')!;
    assert.deepEqual(capacity.approval?.groups, ['capacity']);
    assert.equal(capacity.when?.holds, false, 'a 2-CPU VM needs no approval');
    const extraVars = (
      r!.steps.find((s) => s.id === 'renderCreate')!.output as { extraVars: Record<string, unknown> }
    ).extraVars;
    assert.equal(extraVars.ip_address, r!.provisional[0]!.value);
    assert.deepEqual(
      r!.git.files.map((f) => [f.path, f.change]),
      [
        [`${name}/resource.json`, 'add'],
        [`${name}/metadata.json`, 'add'],
      ],
    );
    // The same body previews to the same hash; nothing was recorded, held, committed or called.
    assert.equal((await preview({ resources: [vm(name)] })).body.planHash, plan.planHash);
    assert.deepEqual(await traces(t, name), [0, 0, 0, 0]);
    assert.deepEqual(await endSystemCalls(t), before, 'no end-system call at all');
    const started = await t.stack.client.workflow.count(`Requester = 'alice-plan@example.test'`);
    assert.equal(started.count, 0, 'no workflow started');

    // Submitted with the hash, it builds what the preview said.
    const { requestId } = await t.submit(alice, { resources: [vm(name)], planHash: plan.planHash });
    const done = await t.settle(alice, requestId);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    const view = (
      await t.api.call<{
        planHash: string;
        plan: RequestPlan;
        resources: { template: string; progress: { steps: { id: string }[] } }[];
      }>('GET', `/v1/requests/${requestId}`, { token: alice })
    ).body;
    assert.equal(view.planHash, plan.planHash);
    assert.equal(view.plan.planHash, plan.planHash);
    assert.equal(view.resources[0]!.template, r!.template.name);
    assert.deepEqual(
      view.resources[0]!.progress.steps.map((s) => s.id).sort(),
      r!.steps.map((s) => s.id).sort(),
    );
    const { awx } = createAwxDeps(loadEndSystemsConfig(t.stack.endSystemsEnv).awx!);
    const job = await awx.readJob(Number(done.resources[0]!.output!.awxJob));
    // The launch adds the key it finds its job again by (activities/awx/launch-job-template.ts).
    const { orchestrator_idempotency_key: _key, ...ran } = JSON.parse(job.extra_vars ?? '{}') as Record<
      string,
      unknown
    >;
    assert.deepEqual(ran, extraVars, 'AWX ran the previewed extra_vars');

    // Its removal's plan: the file as it is, the removal template, the change a diff of the files.
    const removal = (await preview({ resources: [{ type: 'virtual_machine', action: 'delete', name }] }))
      .body;
    const [d] = removal.resources;
    assert.equal(d!.template.name, 'vm-delete-unmanaged');
    assert.equal(
      (d!.commonFormat as { network: { ipv4Address: string } }).network.ipv4Address,
      extraVars.ip_address,
    );
    assert.deepEqual(
      d!.git.files.map((f) => [f.path, f.change]),
      [
        [`${name}/resource.json`, 'remove'],
        [`${name}/metadata.json`, 'remove'],
      ],
    );
    assert.match(d!.git.files[0]!.diff, new RegExp(`^-  "name": "${name}",$`, 'm'));
  });

  it('shows a network with a VM on it, and a day-2 resize of a built VM, through the same tables', async () => {
    const network = `plan-net-${Date.now().toString(36)}`;
    const subnet = `10.30.${100 + Math.floor(Math.random() * 150)}.0/28`;
    // A VM on the network the same request creates: placed on it, its address the new pool's first.
    const net = await preview({
      resources: [
        vm(`${network}-vm`, { network }),
        { type: 'network', name: network, tenant: 'Lab', vrf: 'lab_vrf', subnet },
      ],
    });
    assert.equal(net.status, 200, JSON.stringify(net.body));
    assert.equal(net.body.resources[1]!.template.name, 'network-create');
    assert.deepEqual(net.body.resources[0]!.provisional[0], {
      what: 'address',
      value: subnet.replace(/0\/28$/, '2'),
      hashedAs: `<address from ${network}>`,
    });
    assert.deepEqual(await traces(t, network), [0, 0, 0, 0], 'nothing held for the network');

    const name = `plan-resize-${Date.now().toString(36)}`;
    const built = await t.settle(alice, (await t.submit(alice, { resources: [vm(name)] })).requestId);
    assert.equal(built.status, 'succeeded', JSON.stringify(built.resources));
    const resize = await preview({
      resources: [{ type: 'virtual_machine', action: 'update', name, cpu: 4 }],
    });
    assert.equal(resize.status, 200, JSON.stringify(resize.body));
    assert.equal(resize.body.resources[0]!.template.name, 'vm-update-unmanaged');
    // The change as the request would commit it: the document's CPUs, as a diff of its file.
    const [file] = resize.body.resources[0]!.git.files;
    assert.equal(file?.change, 'modify');
    assert.match(file?.diff ?? '', /^-\s+"cpu": 2,$/m);
    assert.match(file?.diff ?? '', /^\+\s+"cpu": 4,$/m);
    const rendered = resize.body.resources[0]!.steps.find((s) => s.id === 'render')?.output as
      { extraVars: Record<string, unknown> } | undefined;
    assert.equal(rendered?.extraVars.cpu, 4, 'the AWX job would get the new size');
  });

  it('refuses a submission whose placement changed since its preview, naming what changed', async () => {
    const name = `moved-${Date.now().toString(36)}`;
    const plan = (await preview({ resources: [vm(name)] })).body;
    const { cluster, datastore } = plan.resources[0]!.placement!;
    const rule = (await loadCatalogSnapshot(t.stack.pool)).placements.find(
      (p) => p.cluster === cluster && p.datastore === datastore,
    )!;
    await setPlacementRule(t.stack.pool, { ...rule, allowed: false }, 'plan-test');
    try {
      const refused = await t.api.call<ErrorBody & { error: { details: { planHash: string } } }>(
        'POST',
        '/v1/requests',
        { token: alice, body: { resources: [vm(name)], planHash: plan.planHash } },
      );
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.type, 'PlanChanged');
      const paths = refused.body.error.fields!.map((f) => f.path);
      assert.ok(
        paths.some((p) => /^plan\.resources\.0\.placement\.(cluster|datastore)$/.test(p)),
        paths.join(', '),
      );
      assert.notEqual(refused.body.error.details.planHash, plan.planHash);
      assert.deepEqual(await traces(t, name), [0, 0, 0, 0]);
    } finally {
      await setPlacementRule(t.stack.pool, rule, 'plan-test');
    }
  });

  it('answers a bad body as a submission would: 400 naming the field', async () => {
    const refused = await preview({ resources: [vm('bad-cpu', { cpu: 0 })] });
    assert.equal(refused.status, 400);
    assert.ok(refused.body.error.fields!.some((f) => f.path === 'body.resources.0.cpu'));
  });

  it('does not apply an approval of one plan to another', async () => {
    const name = `big-plan-${Date.now().toString(36)}`;
    const body = { resources: [vm(name, { cpu: 12 })] };
    const plan = (await preview(body)).body;
    assert.equal(plan.resources[0]!.steps.find((s) => s.id === 'capacity')!.when?.holds, true);
    const { requestId } = await t.submit(alice, { ...body, planHash: plan.planHash });
    await waitFor(
      'the capacity approval to wait',
      async () =>
        (await t.api.call<{ waiting: unknown[] }>('GET', `/v1/requests/${requestId}`, { token: alice })).body
          .waiting.length > 0,
      60_000,
      250,
    );
    const approver = (
      await issueToken(
        t.stack.pool,
        { subject: 'cap-plan@example.test', role: 'approver', groups: ['capacity'] },
        'test',
      )
    ).token;
    const other = `sha256:${'0'.repeat(64)}`;
    // The template's run itself refuses a decision on another plan, whoever sends it.
    const running = (
      await t.api.call<{ resources: { workflowId: string }[] }>('GET', `/v1/requests/${requestId}`, {
        token: alice,
      })
    ).body.resources[0]!.workflowId;
    await assert.rejects(
      t.stack.client.workflow.getHandle(running).executeUpdate(decideUpdate, {
        args: [{ stepId: 'capacity', decision: 'approve', by: 'x', groups: ['capacity'], planHash: other }],
      }),
      (err: Error & { cause?: Error }) => /this run executes plan/.test(err.cause?.message ?? err.message),
    );
    const refused = await t.api.call<ErrorBody>('POST', `/v1/requests/${requestId}/approve`, {
      token: approver,
      body: { stepId: 'capacity', decision: 'approve', planHash: other },
    });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.type, 'PlanChanged');
    const approved = await t.api.call<{ planHash: string }>('POST', `/v1/requests/${requestId}/approve`, {
      token: approver,
      body: { stepId: 'capacity', decision: 'approve', planHash: plan.planHash },
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const done = await t.settle(alice, requestId);
    assert.equal(done.status, 'succeeded');
    const view = (
      await t.api.call<{ approvals: { planHash?: string }[] }>('GET', `/v1/requests/${requestId}`, {
        token: alice,
      })
    ).body;
    assert.deepEqual(
      view.approvals.map((a) => a.planHash),
      [plan.planHash],
    );
  });

  it('shows the plan on the portal order form, above the order button, and orders bound to it', async () => {
    const { send, field } = await portalSession(t.api.baseUrl, alice);
    const form = (await send('/order/small-rhel9-dev')).text;
    const name = `portal-plan-${Date.now().toString(36)}`;
    const order = {
      _csrf: field(form, '_csrf'),
      idempotencyKey: field(form, 'idempotencyKey'),
      name,
      leaseDays: '7',
    };
    const previewed = await send('/order/small-rhel9-dev', { ...order, intent: 'preview' });
    assert.equal(previewed.status, 200);
    const planHash = field(previewed.text, 'planHash');
    assert.match(planHash, /^sha256:/);
    assert.ok(
      previewed.text.indexOf('aria-label="Plan"') < previewed.text.indexOf('value="order"'),
      'the plan is above the order button',
    );
    assert.deepEqual(await traces(t, name), [0, 0, 0, 0], 'a preview orders nothing');
    const ordered = await send('/order/small-rhel9-dev', { ...order, intent: 'order', planHash });
    assert.equal(ordered.status, 303, ordered.text.slice(0, 300));
    const requestId = /\/requests\/(req_[A-Za-z0-9]+)/.exec(ordered.location ?? '')![1]!;
    const view = (
      await t.api.call<{ planHash: string }>('GET', `/v1/requests/${requestId}`, { token: alice })
    ).body;
    assert.equal(view.planHash, planHash);
    await t.settle(alice, requestId);
  });
});
