/** Fault injection: 5xx rates, 429 + Retry-After, latency, dropped connections, lost answers, seeds, counters. */
import assert from 'node:assert/strict';
import { startLab, type Lab } from './common/fixture';

describe('simulator fault injection', () => {
  let lab: Lab;
  const addFault = async (rule: Record<string, unknown>) => {
    const res = await lab.admin<{ id: string }>('/faults', { method: 'POST', body: rule });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };

  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.dispose();
  });

  it('answers 5xx on the faulted endpoint only, in the system envelope, the given number of times', async () => {
    await addFault({ system: 'vcenter', path: '/api/vcenter/vm', kind: 'error', status: 503, times: 2 });
    const first = await lab.vcenter<{ error_type: string }>('/api/vcenter/vm');
    assert.equal(first.status, 503);
    assert.equal(first.body.error_type, 'SERVICE_UNAVAILABLE');
    assert.equal((await lab.vcenter('/api/vcenter/cluster')).status, 200);
    assert.equal((await lab.vcenter('/api/vcenter/vm')).status, 503);
    assert.equal((await lab.vcenter('/api/vcenter/vm')).status, 200);
    const awx = await lab.awx('/api/v2/job_templates/');
    assert.equal(awx.status, 200);
  });

  it('answers 429 with Retry-After', async () => {
    await addFault({
      system: 'awx',
      method: 'POST',
      path: '/api/v2/job_templates/*/launch/',
      kind: 'rate-limit',
      retry_after_seconds: 7,
      times: 1,
    });
    const limited = await lab.awx('/api/v2/job_templates/9/launch/', { method: 'POST', body: {} });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(
      (await lab.awx('/api/v2/job_templates/9/launch/', { method: 'POST', body: {} })).status,
      201,
    );
    assert.equal((await lab.admin<Record<string, number>>('/counters')).body['awx.jobs.launched'], 1);
  });

  it('adds latency', async () => {
    await addFault({ path: '/api/vcenter/datacenter', kind: 'latency', latency_ms: 250 });
    const started = Date.now();
    assert.equal((await lab.vcenter('/api/vcenter/datacenter')).status, 200);
    assert.ok(Date.now() - started >= 240);
  });

  it('drops the connection before the API acts: nothing is created', async () => {
    await addFault({ system: 'awx', path: '/api/v2/job_templates/9/launch/', kind: 'drop', times: 1 });
    await assert.rejects(lab.awx('/api/v2/job_templates/9/launch/', { method: 'POST', body: {} }));
    assert.equal((await lab.admin<Record<string, number>>('/counters')).body['awx.jobs.launched'], undefined);
  });

  it('loses the answer after the API acted (drop or 502 after): the job exists, the counter shows one', async () => {
    await addFault({
      system: 'awx',
      path: '/api/v2/job_templates/9/launch/',
      kind: 'drop',
      phase: 'after',
      times: 1,
    });
    await assert.rejects(lab.awx('/api/v2/job_templates/9/launch/', { method: 'POST', body: {} }));
    await addFault({
      system: 'awx',
      path: '/api/v2/job_templates/9/launch/',
      kind: 'error',
      status: 502,
      phase: 'after',
      times: 1,
    });
    const lost = await lab.awx('/api/v2/job_templates/9/launch/', { method: 'POST', body: {} });
    assert.equal(lost.status, 502);
    assert.equal(lost.headers.get('location'), null);
    const jobs = await lab.awx<{ count: number }>('/api/v2/jobs/?job_template=9');
    assert.equal(jobs.body.count, 2);
    assert.equal((await lab.admin<Record<string, number>>('/counters')).body['awx.jobs.launched'], 2);
  });

  it('skips the first matches when asked', async () => {
    await addFault({ path: '/api/vcenter/cluster', kind: 'error', status: 500, skip: 1, times: 1 });
    assert.equal((await lab.vcenter('/api/vcenter/cluster')).status, 200);
    assert.equal((await lab.vcenter('/api/vcenter/cluster')).status, 500);
    assert.equal((await lab.vcenter('/api/vcenter/cluster')).status, 200);
  });

  it('makes probabilistic faults repeat exactly for the same seed', async () => {
    const pattern = async () => {
      await lab.admin('/reset', { method: 'POST' });
      await addFault({ path: '/api/vcenter/datastore', kind: 'error', status: 500, rate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await lab.vcenter('/api/vcenter/datastore')).status);
      return statuses;
    };
    const first = await pattern();
    assert.ok(first.includes(500) && first.includes(200), `expected a mix, got ${first.join(',')}`);
    await lab.dispose();
    lab = await startLab();
    assert.deepEqual(await pattern(), first);
  });

  it('lists, removes and clears rules; admin paths are never faulted', async () => {
    assert.equal((await lab.vcenter('/api/vcenter/datacenter')).status, 200);
    const id = await addFault({ path: '*', kind: 'error', status: 500 });
    assert.equal((await lab.vcenter('/api/vcenter/datacenter')).status, 500);
    const listed = await lab.admin<{ http: { id: string; fired: number }[] }>('/faults');
    assert.equal(listed.body.http[0]?.id, id);
    assert.ok((listed.body.http[0]?.fired ?? 0) >= 1);
    assert.equal((await lab.admin(`/faults/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await lab.vcenter('/api/vcenter/datacenter')).status, 200);
    assert.equal(
      (await lab.admin('/faults', { method: 'POST', body: { path: '/x', kind: 'explode' } })).status,
      400,
    );
  });

  it('takes rules from SIM_FAULTS', async () => {
    await lab.dispose();
    const rules = [
      { system: 'vcenter', path: '/api/vcenter/network', kind: 'error', status: 504 },
      { system: 'awx', match: { template: 'lab-ping' }, outcome: 'failed', message: 'from env' },
    ];
    lab = await startLab({ env: { SIM_FAULTS: JSON.stringify(rules) } });
    assert.equal((await lab.vcenter('/api/vcenter/network')).status, 504);
    const faults = await lab.admin<{ outcomes: { message: string }[] }>('/faults');
    assert.equal(faults.body.outcomes[0]?.message, 'from env');
  });

  it('counts requests per endpoint', async () => {
    await lab.vcenter('/api/vcenter/vm');
    await lab.vcenter('/api/vcenter/vm');
    const requests = await lab.admin<Record<string, number>>('/requests?filter=vcenter GET /api/vcenter/vm');
    assert.equal(requests.body['vcenter GET /api/vcenter/vm'], 2);
  });
});
