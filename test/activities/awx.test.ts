/**
 * AWX tasks against the AWX simulator (which acts on the vCenter simulator): find, launch, wait,
 * stdout, cancel; the ignored_fields trap; one job per step under retries and lost answers;
 * failed jobs as JobFailed; resumable, cancellable waits; 401, 429 and 5xx in the taxonomy.
 */
import assert from 'node:assert/strict';
import { CancelledFailure } from '@temporalio/common';
import { awxSystem, createAwxDeps, idempotencyVariable, type AwxDeps } from '../../activities/awx';
import { createVcenterDeps, vcenterSystem } from '../../activities/vcenter';
import { configFor, expectFailure, runTask } from './fixtures';
import { startActivityLab, type ActivityLab } from './lab';

const task = (id: string) => awxSystem.tasks.find((t) => t.id === id)!;
const findJobTemplate = task('awx:find-job-template');
const launch = task('awx:launch-job-template');
const readJob = task('awx:read-job');
const waitJob = task('awx:wait-job');
const readStdout = task('awx:read-job-stdout');
const cancelJob = task('awx:cancel-job');
const listVms = vcenterSystem.tasks.find((t) => t.id === 'vcenter:list-vms')!;

describe('AWX tasks against the simulator', function () {
  this.timeout(30_000);
  let lab: ActivityLab;
  let deps: AwxDeps;
  let vmCreate: number;
  let labPing: number;
  let step = 0;
  /** A fresh workflow step identity, so each test has its own idempotency key. */
  const nextStep = () => ({ workflowId: `trace/req-${++step}/awx`, activityId: String(step) });
  const launched = () => lab.sims.world.counter('awx.jobs.launched');

  before(async () => {
    lab = await startActivityLab(['awx', 'vcenter']);
    deps = createAwxDeps(configFor.awx(lab.sims.urls.awx!, lab.sims.credentials.awx.token));
    vmCreate = (await runTask(findJobTemplate, deps, { name: 'vm-create' })).id;
    labPing = (await runTask(findJobTemplate, deps, { name: 'lab-ping' })).id;
  });
  after(async () => {
    await deps.awx.http.close();
    await lab.stop();
  });
  afterEach(() => {
    lab.sims.world.clearFaults();
    lab.sims.world.setDurations({ 'awx.pending': null, 'awx.running': null });
  });

  it('finds job templates by name, with their prompts; an unknown name is NotFound', async () => {
    const jt = await runTask(findJobTemplate, deps, { name: 'vm-create' });
    assert.equal(jt.askVariablesOnLaunch, true);
    const ping = await runTask(findJobTemplate, deps, { name: 'lab-ping', organization: 'Default' });
    assert.equal(ping.askVariablesOnLaunch, false);
    await expectFailure(runTask(findJobTemplate, deps, { name: 'no-such-template' }), {
      type: 'NotFound',
      message: ['no-such-template'],
    });
  });

  it('launches vm-create, waits for success, and the VM exists in vCenter with the size asked', async () => {
    const ids = nextStep();
    const job = await runTask(
      launch,
      deps,
      { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-web-01', cpu: 2, memory_gb: 8 } },
      ids,
    );
    assert.equal(job.adopted, false);
    assert.equal(job.idempotency, 'extra_vars');
    const heartbeats: unknown[] = [];
    const done = await runTask(waitJob, deps, { job: job.job }, { onHeartbeat: (d) => heartbeats.push(d) });
    assert.equal(done.status, 'successful');
    assert.ok(heartbeats.length >= 1);
    const vcDeps = createVcenterDeps(
      configFor.vcenter(
        lab.sims.urls.vcenter!,
        lab.sims.credentials.vcenter.username,
        lab.sims.credentials.vcenter.password,
      ),
    );
    const { vms } = await runTask(listVms, vcDeps, { names: ['awx-web-01'] });
    assert.equal(vms.length, 1);
    assert.equal(vms[0].cpuCount, 2);
    assert.equal(vms[0].memoryMiB, 8192);
    await vcDeps.vcenter.close();
    const out = await runTask(readStdout, deps, { job: job.job });
    assert.ok(out.content.length > 0);
    assert.equal(out.status, 'successful');
  });

  it('the same step launched twice makes one job (the key rides in extra_vars)', async () => {
    const ids = nextStep();
    const before = launched();
    const input = { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-idem-01' } };
    const first = await runTask(launch, deps, input, ids);
    const second = await runTask(launch, deps, input, { ...ids, attempt: 2 });
    assert.equal(second.job, first.job);
    assert.equal(second.adopted, true);
    assert.equal(launched() - before, 1);
    // The key names the workflow and the step (its exact shape belongs to activities/task.ts).
    const raw = await deps.awx.readJob(first.job);
    const key = String(JSON.parse(raw.extra_vars ?? '{}')[idempotencyVariable]);
    assert.ok(key.startsWith(ids.workflowId) && key.endsWith(`#${ids.activityId}`), key);
  });

  it('a launch whose answer is lost (5xx after AWX acted) is retried and adopts the job: still one job', async () => {
    const ids = nextStep();
    const before = launched();
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'POST',
      path: '/api/v2/job_templates/*/launch/',
      kind: 'error',
      status: 502,
      phase: 'after',
      times: 1,
    });
    const input = { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-lost-01' } };
    await expectFailure(runTask(launch, deps, input, ids), { type: 'UpstreamUnavailable', httpStatus: 502 });
    const retry = await runTask(launch, deps, input, { ...ids, attempt: 2 });
    assert.equal(retry.adopted, true);
    assert.equal(launched() - before, 1);
  });

  it('a dropped connection after the launch is retried without a second job', async () => {
    const ids = nextStep();
    const before = launched();
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'POST',
      path: '/api/v2/job_templates/*/launch/',
      kind: 'drop',
      phase: 'after',
      times: 1,
    });
    const input = { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-drop-01' } };
    await expectFailure(runTask(launch, deps, input, ids), { type: 'UpstreamUnavailable' });
    const retry = await runTask(launch, deps, input, { ...ids, attempt: 2 });
    assert.equal(retry.adopted, true);
    assert.equal(launched() - before, 1);
  });

  it('ignored_fields trap: a 201 that ignored variables is InvalidInput naming them, and the job is canceled', async () => {
    lab.sims.world.setDurations({ 'awx.pending': 5_000 });
    const ids = nextStep();
    const details = await expectFailure(
      runTask(
        launch,
        deps,
        { jobTemplate: labPing, extraVars: { vm_name: 'x', secret_thing: 's3cr3t-value' } },
        ids,
      ),
      {
        type: 'InvalidInput',
        message: ['ignored', 'extra_vars.vm_name', 'extra_vars.secret_thing', 'Prompt on launch'],
        absent: ['s3cr3t-value'],
      },
    );
    const job = await runTask(readJob, deps, { job: Number(details.externalId) });
    assert.equal(job.status, 'canceled');
  });

  it('a template without prompts launches with the launch-time fallback, and a retry adopts its job', async () => {
    // Jobs of this template launched by earlier tests are older than the clock allowance.
    await new Promise((r) => setTimeout(r, 2_100));
    const ids = { ...nextStep(), scheduledAt: Date.now() };
    const before = launched();
    const first = await runTask(launch, deps, { jobTemplate: labPing }, ids);
    assert.equal(first.idempotency, 'launch_time');
    const retry = await runTask(launch, deps, { jobTemplate: labPing }, { ...ids, attempt: 2 });
    assert.equal(retry.job, first.job);
    assert.equal(launched() - before, 1);
  });

  it('a job that fails ends the wait with JobFailed carrying the job id', async () => {
    lab.sims.world.addOutcomeRule({
      system: 'awx',
      match: { extra_vars: 'awx-doomed-01' },
      outcome: 'failed',
      message: 'disk full',
      times: 1,
    });
    const job = await runTask(
      launch,
      deps,
      { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-doomed-01' } },
      nextStep(),
    );
    const details = await expectFailure(runTask(waitJob, deps, { job: job.job }), {
      type: 'JobFailed',
      message: [`job ${job.job}`, 'failed'],
    });
    assert.equal(details.externalId, String(job.job));
    const out = await runTask(readStdout, deps, { job: job.job });
    assert.match(out.content, /disk full/);
  });

  it('a retried wait resumes from its heartbeat: the whole wait is reported', async () => {
    const job = await runTask(
      launch,
      deps,
      { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-resume-01' } },
      nextStep(),
    );
    const since = Date.now() - 60_000;
    const done = await runTask(
      waitJob,
      deps,
      { job: job.job },
      { attempt: 3, heartbeatDetails: { job: job.job, waitingSince: since, polls: 7, status: 'running' } },
    );
    assert.equal(done.resumed, true);
    assert.ok(done.polls >= 8);
    assert.ok(done.waitedMs >= 60_000);
  });

  it('a wait rides out passing upstream trouble within its attempt, but not an outage', async () => {
    lab.sims.world.setDurations({ 'awx.running': 300 });
    const job = await runTask(
      launch,
      deps,
      { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-patience-01' } },
      nextStep(),
    );
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'GET',
      path: `/api/v2/jobs/${job.job}/`,
      kind: 'error',
      status: 503,
      times: 2,
    });
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'GET',
      path: `/api/v2/jobs/${job.job}/`,
      kind: 'rate-limit',
      retry_after_seconds: 0,
      times: 1,
    });
    const done = await runTask(waitJob, deps, { job: job.job });
    assert.equal(done.status, 'successful');
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'GET',
      path: `/api/v2/jobs/${job.job}/`,
      kind: 'error',
      status: 503,
    });
    await expectFailure(runTask(waitJob, deps, { job: job.job }), {
      type: 'UpstreamUnavailable',
      httpStatus: 503,
    });
  });

  it('a cancelled wait stops at once; awx:cancel-job then cancels the running job', async () => {
    lab.sims.world.setDurations({ 'awx.running': 60_000 });
    const job = await runTask(
      launch,
      deps,
      { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-cancel-01' } },
      nextStep(),
    );
    const started = Date.now();
    await assert.rejects(
      runTask(waitJob, deps, { job: job.job }, { cancelAfterMs: 100 }),
      (err) => err instanceof CancelledFailure,
    );
    assert.ok(Date.now() - started < 5_000);
    const canceled = await runTask(cancelJob, deps, { job: job.job });
    assert.equal(canceled.cancelRequested, true);
    lab.sims.world.setDurations({ 'awx.running': null });
    await expectFailure(runTask(waitJob, deps, { job: job.job }), {
      type: 'JobFailed',
      message: ['canceled'],
    });
    const again = await runTask(cancelJob, deps, { job: job.job });
    assert.equal(again.cancelRequested, false);
  });

  it('a wrong token is Unauthorized after one re-authentication, without the token in the failure', async () => {
    const bad = createAwxDeps(configFor.awx(lab.sims.urls.awx!, 'not-the-token-7777'));
    await expectFailure(runTask(readJob, bad, { job: 101 }), {
      type: 'Unauthorized',
      httpStatus: 401,
      absent: ['not-the-token-7777'],
    });
    await bad.awx.http.close();
  });

  it('429 carries Retry-After; 5xx is retryable; the next attempt succeeds', async () => {
    const job = await runTask(
      launch,
      deps,
      { jobTemplate: vmCreate, extraVars: { vm_name: 'awx-faults-01' } },
      nextStep(),
    );
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'GET',
      path: '/api/v2/jobs/*',
      kind: 'rate-limit',
      retry_after_seconds: 3,
      times: 1,
    });
    const limited = await expectFailure(runTask(readJob, deps, { job: job.job }), {
      type: 'RateLimited',
      httpStatus: 429,
    });
    assert.equal(limited.retryAfterMs, 3_000);
    lab.sims.world.addHttpFault({
      system: 'awx',
      method: 'GET',
      path: '/api/v2/jobs/*',
      kind: 'error',
      status: 503,
      times: 1,
    });
    await expectFailure(runTask(readJob, deps, { job: job.job }), {
      type: 'UpstreamUnavailable',
      httpStatus: 503,
    });
    const ok = await runTask(readJob, deps, { job: job.job });
    assert.equal(ok.job, job.job);
  });

  it('input outside the schema fails fast, naming the field', async () => {
    await expectFailure(runTask(launch, deps, { jobTemplate: 'seven' }), {
      type: 'InvalidInput',
      message: ['input.jobTemplate'],
    });
  });
});
