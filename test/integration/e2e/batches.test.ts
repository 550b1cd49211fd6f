/**
 * A request of more resources than one workflow builds (issue 21): its resources are built by
 * batch workflows, in dependency order across batches, and no history carries a copy of the plan
 * per resource. An API with a batch size of 5 shows it on 12 VMs (3 batches), where production's
 * 100 needs a request of hundreds.
 */
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { waitFor } from '../../../platform/net';
import { startTestApi, TEST_RATE_LIMITS, type TestApi } from '../api/api-client';
import { e2e, vm, type E2e, type RequestView } from './fixture';

type View = Omit<RequestView, 'resources'> & {
  resources: (RequestView['resources'][number] & { progress?: { steps: { id: string; state: string }[] } })[];
};

const BATCH = 5;
const VMS = 12;

describe('a request larger than a batch, built through batch workflows', function () {
  this.timeout(300_000);
  let t: E2e;
  let api: TestApi;
  let erin: string;
  before(async () => {
    t = await e2e();
    api = await startTestApi(t.stack, TEST_RATE_LIMITS, { requestBatchSize: BATCH });
    erin = await t.requester('erin-batches');
  });
  after(() => api?.close());

  /** Every workflow of the trace (the README's recipe) and its history's start and child starts. */
  async function tree(traceId: string) {
    const found: { workflowId: string; type: string; history: temporal.api.history.v1.IHistory }[] = [];
    for await (const wf of t.stack.client.workflow.list({ query: `TraceId='${traceId}'` }))
      found.push({
        workflowId: wf.workflowId,
        type: wf.type,
        history: await t.stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory(),
      });
    return found;
  }
  const childStarts = (h: temporal.api.history.v1.IHistory) =>
    (h.events ?? []).flatMap((e) => (e.startChildWorkflowExecutionInitiatedEventAttributes ? [e] : []));

  it('builds every VM batch by batch, skips across batches what depends on a failure, and shows every step', async () => {
    const stamp = Date.now().toString(36);
    const names = Array.from({ length: VMS }, (_, i) => `bat-${stamp}-${i}`);
    const broken = names[1]!;
    // The last VM depends on the first (built in batch 1), the one before it on the broken one.
    const resources = names.map((name, i) =>
      i === VMS - 1
        ? vm(name, { dependsOn: [names[0]] })
        : i === VMS - 2
          ? vm(name, { dependsOn: [broken] })
          : vm(name),
    );
    const clear = t.failAwxFor(broken, 'no capacity');
    let requestId: string;
    let traceId: string;
    let done: View;
    try {
      const res = await api.call<{ requestId: string; traceId: string }>('POST', '/v1/requests', {
        token: erin,
        body: { resources },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      ({ requestId, traceId } = res.body);
      await t.settle(erin, requestId, 240_000);
      done = (await api.call<View>('GET', `/v1/requests/${requestId}`, { token: erin })).body;
    } finally {
      clear();
    }

    assert.equal(done.status, 'failed');
    assert.equal(done.resources.length, VMS);
    const byName = new Map(done.resources.map((r) => [r.name, r]));
    assert.equal(byName.get(broken)!.state, 'failed');
    const skipped = byName.get(names[VMS - 2]!)!;
    assert.equal(skipped.state, 'skipped');
    assert.match(skipped.error!.message, new RegExp(`depends on virtual_machine ${broken}, which failed`));
    for (const name of names.filter((n) => n !== broken && n !== names[VMS - 2])) {
      const r = byName.get(name)!;
      assert.equal(r.state, 'succeeded', `${name}: ${JSON.stringify(r.error)}`);
      // The status shows the steps of every built VM, though the request's own outcome leaves them out.
      assert.ok(
        r.progress?.steps.some((s) => s.id === 'vm' && s.state === 'succeeded'),
        `${name}'s steps`,
      );
    }
    assert.equal(await t.liveAddresses(broken), 0, 'the failed VM gave its address back');

    const workflows = await tree(traceId);
    const request = workflows.find((w) => w.type === 'requestWorkflow')!;
    const batches = workflows.filter((w) => w.type === 'resourceBatchWorkflow');
    // One request, three batches of at most five, in the trace's lineage.
    assert.deepEqual(
      batches.map((b) => b.workflowId).sort(),
      [1, 2, 3].map((n) => `${request.workflowId}/batch[${n}]`),
    );
    // The request starts only its batches; each batch at most five templates (and their resource workflows).
    assert.deepEqual(
      childStarts(request.history).map(
        (e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType!.name,
      ),
      ['resourceBatchWorkflow', 'resourceBatchWorkflow', 'resourceBatchWorkflow'],
    );
    for (const b of batches) {
      const templates = childStarts(b.history).filter(
        (e) =>
          e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType!.name === 'templateInterpreter',
      );
      assert.ok(
        templates.length >= 1 && templates.length <= BATCH,
        `${b.workflowId} started ${templates.length}`,
      );
      // A template is handed the digest of its plan, never the plan itself.
      for (const e of templates) {
        const payload = e.startChildWorkflowExecutionInitiatedEventAttributes!.input!.payloads![0]!;
        const start = JSON.parse(Buffer.from(payload.data!).toString()) as Record<string, unknown>;
        assert.match(String(start.planDigest), /^sha256:/);
        assert.equal(start.plan, undefined);
      }
    }
    // The skipped VM, in the last batch, was never started.
    assert.ok(
      !workflows.some(
        (w) => w.workflowId.endsWith(`[${names[VMS - 2]}]`) && w.type === 'templateInterpreter',
      ),
    );
  });

  const submit = async (body: unknown) => {
    const res = await api.call<{ requestId: string; traceId: string }>('POST', '/v1/requests', {
      token: erin,
      body,
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body;
  };
  const statusOf = async (requestId: string) =>
    (
      await api.call<View & { pause?: { paused: { resource: string }[] } }>(
        'GET',
        `/v1/requests/${requestId}`,
        { token: erin },
      )
    ).body;

  it('pauses when a resource of a later batch fails, and a retry through the request resumes it', async () => {
    const stamp = Date.now().toString(36);
    const names = Array.from({ length: BATCH + 2 }, (_, i) => `batp-${stamp}-${i}`);
    const broken = names[BATCH + 1]!;
    const clear = t.failAwxFor(broken, 'datastore full');
    try {
      const { requestId } = await submit({ resources: names.map((n) => vm(n)), onFailure: 'pause' });
      await waitFor(
        `request ${requestId} to pause`,
        async () => (await statusOf(requestId)).status === 'paused',
        180_000,
        250,
      );
      const paused = await statusOf(requestId);
      assert.deepEqual(
        paused.pause!.paused.map((p) => p.resource),
        [broken],
      );
      clear();
      const res = await api.call('POST', `/v1/requests/${requestId}/resume`, {
        token: erin,
        body: { action: 'retry' },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const done = await t.settle(erin, requestId, 180_000);
      assert.equal(
        done.status,
        'succeeded',
        JSON.stringify(done.resources.filter((r) => r.state !== 'succeeded')),
      );
      assert.equal(done.resources.length, names.length);
    } finally {
      clear();
    }
  });

  it('a cancel while a later batch is paused undoes what was not built and ends cancelled', async () => {
    const stamp = Date.now().toString(36);
    const names = Array.from({ length: BATCH + 2 }, (_, i) => `batc-${stamp}-${i}`);
    const { requestId } = await submit({ resources: names.map((n) => vm(n)), onFailure: 'pause' });
    const broken = names[BATCH]!;
    const clear = t.failAwxFor(broken, 'datastore full');
    try {
      // Paused in the second batch: the first is built, the second holds addresses.
      await waitFor(
        `request ${requestId} to pause`,
        async () => (await statusOf(requestId)).status === 'paused',
        180_000,
        250,
      );
      const cancel = await api.call('POST', `/v1/requests/${requestId}/cancel`, { token: erin });
      assert.equal(cancel.status, 202);
      const done = await t.settle(erin, requestId, 180_000);
      assert.equal(done.status, 'cancelled');
      const states = new Map(done.resources.map((r) => [r.name, r.state]));
      for (const name of names.slice(0, BATCH)) assert.equal(states.get(name), 'succeeded', name);
      assert.equal(states.get(broken), 'cancelled');
      // What was built stays built (as in a request of one batch); what was not holds no address.
      for (const name of names.slice(BATCH).filter((n) => states.get(n) !== 'succeeded'))
        assert.equal(await t.liveAddresses(name), 0, `${name}'s address given back`);
    } finally {
      clear();
    }
  });
});
