/**
 * Resources of one request that depend on each other, and VMs that Terraform (or AWX) builds and
 * Ansible configures, end to end through the API: the order of builds, what is not started after
 * a failure, what is refused up front, and the configuration job with its failure policy.
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e, type RequestView } from './fixture';

interface Step {
  id: string;
  state: string;
  startedAt?: string;
  endedAt?: string;
  externalIds: Record<string, string>;
}
type View = Omit<RequestView, 'resources'> & {
  resources: (RequestView['resources'][number] & { progress?: { steps: Step[] } })[];
  pause?: { paused: { resource: string; stepId: string; error: { message: string } }[] };
};

describe('resources that depend on each other; Terraform builds, Ansible configures', function () {
  this.timeout(180_000);
  let t: E2e;
  let dan: string;
  before(async () => {
    t = await e2e();
    dan = await t.requester('dan-deps');
  });

  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;
  const view = async (requestId: string) =>
    (await t.api.call<View>('GET', `/v1/requests/${requestId}`, { token: dan })).body;
  const settle = async (requestId: string) => {
    await t.settle(dan, requestId, 150_000);
    return view(requestId);
  };
  const resourceOf = (v: View, name: string) => v.resources.find((r) => r.name === name)!;
  const stepsOf = (v: View, name: string) => resourceOf(v, name).progress?.steps ?? [];
  const firstStart = (v: View, name: string) =>
    Math.min(...stepsOf(v, name).flatMap((s) => (s.startedAt ? [Date.parse(s.startedAt)] : [])));
  const lastEnd = (v: View, name: string) =>
    Math.max(...stepsOf(v, name).flatMap((s) => (s.endedAt ? [Date.parse(s.endedAt)] : [])));
  const awxJobs = (template: string, name: string) =>
    Object.values(t.stack.sims.world.state.awx.jobs).filter(
      (j) => j.name === template && j.extra_vars.includes(`"${name}"`),
    );

  it('builds what is depended on first, the independent one alongside, and each VM is configured', async () => {
    const [a, b, c] = [unique('dep-a'), unique('dep-b'), unique('dep-c')];
    const { requestId, traceId } = await t.submit(dan, {
      resources: [vm(b, { dependsOn: [a] }), vm(a), vm(c)],
    });
    const done = await settle(requestId);
    await t.record('request-depends-on', traceId);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
    assert.ok(firstStart(done, b) >= lastEnd(done, a), `${b} started after ${a} was built`);
    assert.ok(firstStart(done, c) < lastEnd(done, a), `${c} did not wait for ${a}`);
    // The independent ones share the request's commit; the dependent one is prepared, and
    // committed, once what it depends on is built.
    const commitOf = (name: string) => resourceOf(done, name).output!.commit;
    assert.equal(commitOf(a), commitOf(c));
    assert.notEqual(commitOf(b), commitOf(a));
    for (const name of [a, b, c]) {
      const [job] = awxJobs('vm-configure', name);
      assert.equal(job?.status, 'successful', `${name} configured`);
      assert.equal(resourceOf(done, name).output!.configureJob, job!.id);
    }
  });

  it('does not start what depends on a failure (saying why), builds the rest, and leaves nothing of the skipped', async () => {
    const [a, b, c, d] = [unique('fail-a'), unique('fail-b'), unique('fail-c'), unique('fail-d')];
    const clear = t.failAwxFor(a, 'no capacity');
    try {
      const { requestId, traceId } = await t.submit(dan, {
        resources: [vm(a), vm(b, { dependsOn: [a] }), vm(c, { dependsOn: [b] }), vm(d)],
      });
      const done = await settle(requestId);
      await t.record('request-dependency-failed', traceId);
      assert.equal(done.status, 'failed');
      assert.deepEqual(
        done.resources.map((r) => [r.name, r.state]),
        [
          [a, 'failed'],
          [b, 'skipped'],
          [c, 'skipped'],
          [d, 'succeeded'],
        ],
      );
      assert.equal(
        resourceOf(done, b).error!.message,
        `not started: it depends on virtual_machine ${a}, which failed`,
      );
      assert.equal(
        resourceOf(done, c).error!.message,
        `not started: it depends on virtual_machine ${b}, which was not started either`,
      );
      for (const name of [b, c]) {
        assert.equal(stepsOf(done, name).length, 0, `${name} never ran a step`);
        assert.equal(awxJobs('vm-create', name).length, 0, `no AWX job for ${name}`);
        assert.equal(await t.liveAddresses(name), 0, `${name} holds no address`);
      }
    } finally {
      clear();
    }
  });

  it('refuses a cycle and an unknown name, naming each path, recording nothing', async () => {
    const mallory = await t.requester('mallory-deps');
    const [a, b, c] = [unique('cyc-a'), unique('cyc-b'), unique('cyc-c')];
    const refused = await t.api.call<{
      error: { type: string; fields: { path: string; message: string }[] };
    }>('POST', '/v1/requests', {
      token: mallory,
      body: {
        resources: [
          vm(a, { dependsOn: [b] }),
          vm(b, { dependsOn: [a] }),
          vm(c, { dependsOn: ['nowhere'] }),
          { type: 'virtual_machine', action: 'delete', name: 'gone', dependsOn: [c, c] },
        ],
      },
    });
    // The body keeps the documented schema and breaks a rule no schema states: 422, as a name
    // twice in one request is.
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    const fields = new Map(refused.body.error.fields.map((f) => [f.path, f.message]));
    assert.match(fields.get('body.resources.0.dependsOn.0') ?? '', new RegExp(`cycle: ${a} → ${b} → ${a}`));
    assert.match(
      fields.get('body.resources.2.dependsOn.0') ?? '',
      /no resource of this request is named nowhere/,
    );
    const listed = await t.api.call<{ requests: unknown[] }>('GET', '/v1/requests', { token: mallory });
    assert.deepEqual(listed.body.requests, [], 'nothing recorded');

    const schema = await t.api.call<{ error: { fields: { path: string }[] } }>('POST', '/v1/requests', {
      token: mallory,
      body: { resources: [vm(unique('bad'), { dependsOn: ['Not A Name'] })] },
    });
    assert.equal(schema.status, 400);
    assert.ok(
      schema.body.error.fields.some((f) => f.path === 'body.resources.0.dependsOn.0'),
      JSON.stringify(schema.body),
    );
  });

  it('a managed VM is built by TFE, then configured by an AWX job whose extra_vars carry its address', async () => {
    const name = unique('tf-cfg');
    const { requestId } = await t.submit(dan, { resources: [vm(name, { managed: true })] });
    const done = await settle(requestId);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
    const output = resourceOf(done, name).output!;
    assert.match(String(output.tfeRun), /^run-/);
    const [job, ...more] = awxJobs('vm-configure', name);
    assert.equal(more.length, 0);
    assert.equal(job!.status, 'successful');
    assert.equal(output.configureJob, job!.id);
    const vars = JSON.parse(job!.extra_vars) as Record<string, unknown>;
    assert.equal(vars.ip_address, output.ipv4Address);
    assert.deepEqual([vars.vm_name, vars.os_image, vars.cpu, vars.memory_mb], [name, 'rhel9', 2, 8192]);
    assert.deepEqual(job!.artifacts.monitoring, {
      registered: true,
      host: String(vars.fqdn),
      address: output.ipv4Address,
    });
    assert.equal(awxJobs('vm-create', name).length, 0, 'Terraform built it, not AWX');
    const configure = stepsOf(done, name).find((s) => s.id === 'configure')!;
    assert.equal(configure.externalIds.awxJob, String(job!.id));
  });

  it('a configuration failure undoes the build when the request does not pause', async () => {
    const name = unique('cfg-undo');
    const rule = t.stack.sims.world.addOutcomeRule({
      system: 'awx',
      match: { template: 'vm-configure', extra_vars: `"${name}"` },
      outcome: 'failed',
      message: 'baseline role failed',
    });
    try {
      const { requestId } = await t.submit(dan, { resources: [vm(name)], onFailure: 'compensate' });
      const done = await settle(requestId);
      assert.equal(done.status, 'failed');
      const [resource] = done.resources;
      assert.equal(resource!.error!.stepId, 'configure');
      assert.match(resource!.error!.message, /baseline role failed/);
      assert.ok(resource!.compensated?.includes('build'), JSON.stringify(resource));
      assert.deepEqual(await t.vcenter.listVms({ names: name }), [], 'the VM was removed again');
      assert.equal(await t.liveAddresses(name), 0);
    } finally {
      t.stack.sims.world.removeFault(rule.id);
    }
  });

  it('a configuration failure with onFailure pause pauses at the configure step; retry configures', async () => {
    const name = unique('cfg-pause');
    const rule = t.stack.sims.world.addOutcomeRule({
      system: 'awx',
      match: { template: 'vm-configure', extra_vars: `"${name}"` },
      outcome: 'failed',
      message: 'monitoring server unreachable',
    });
    try {
      const { requestId, traceId } = await t.submit(dan, {
        resources: [vm(name, { managed: true })],
        onFailure: 'pause',
      });
      await waitFor(
        `request ${requestId} to pause`,
        async () => (await view(requestId)).status === 'paused',
        150_000,
        250,
      );
      const paused = await view(requestId);
      const [pause] = paused.pause!.paused;
      assert.equal(pause!.stepId, 'configure');
      assert.match(pause!.error.message, /monitoring server unreachable/);
      assert.equal((await t.vcenter.listVms({ names: name })).length, 1, 'the built VM is kept while paused');

      t.stack.sims.world.removeFault(rule.id);
      const res = await t.api.call('POST', `/v1/requests/${requestId}/resume`, {
        token: dan,
        body: { action: 'retry' },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const done = await settle(requestId);
      await t.record('request-configure-pause-retry', traceId);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.resources));
      assert.deepEqual(
        awxJobs('vm-configure', name)
          .map((j) => j.status)
          .sort(),
        ['failed', 'successful'],
      );
    } finally {
      t.stack.sims.world.removeFault(rule.id);
    }
  });
});
