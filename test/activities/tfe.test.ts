/**
 * TFE tasks against the TFE simulator (whose applies act on the vCenter simulator): a workspace
 * planned and applied end to end with exactly one run (the auto-queue-runs trap), one run per step
 * under retries and lost answers, errored runs as RunErrored, apply/discard/cancel decided by the
 * run's state, resumable and cancellable waits, the sealed upload URL, 401 and 429.
 */
import assert from 'node:assert/strict';
import { CancelledFailure } from '@temporalio/common';
import { createTfeDeps, tfeSystem, type TfeDeps } from '../../activities/tfe';
import { createVcenterDeps, vcenterSystem } from '../../activities/vcenter';
import { vmModule } from '../simulators/tfe-fixture';
import { configFor, expectFailure, runTask } from './fixtures';
import { startActivityLab, type ActivityLab } from './lab';

const task = (id: string) => tfeSystem.tasks.find((t) => t.id === id)!;
const ORG = 'lab';

describe('TFE tasks against the simulator', function () {
  this.timeout(60_000);
  let lab: ActivityLab;
  let deps: TfeDeps;
  let step = 0;
  const nextStep = () => ({ workflowId: `trace/req-${++step}/tfe`, activityId: String(step) });
  const runsCreated = () => lab.sims.world.counter('tfe.runs.created');

  /** A workspace with an uploaded VM module; returns its id and configuration version. */
  async function preparedWorkspace(name: string, vmName: string) {
    const ws = await runTask(task('tfe:ensure-workspace'), deps, { name });
    await runTask(task('tfe:set-variables'), deps, {
      workspaceId: ws.workspaceId,
      variables: [
        { key: 'vm_name', value: vmName },
        { key: 'cpu', value: '2' },
        { key: 'memory_mb', value: '8192' },
      ],
    });
    const cv = await runTask(task('tfe:create-configuration-version'), deps, { workspaceId: ws.workspaceId });
    await runTask(task('tfe:upload-configuration'), deps, {
      configurationVersionId: cv.configurationVersionId,
      sealedUploadUrl: cv.sealedUploadUrl,
      files: vmModule(),
    });
    return {
      workspaceId: ws.workspaceId as string,
      configurationVersionId: cv.configurationVersionId as string,
    };
  }

  before(async () => {
    lab = await startActivityLab(['tfe', 'vcenter']);
    // Tests poll far faster than a person would; the run-list limit (30/minute) stays as documented.
    await fetch(`${lab.sims.urls.tfe}/_sim/tfe/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rate_limit_per_second: 100_000 }),
    });
    deps = createTfeDeps(configFor.tfe(lab.sims.urls.tfe!, lab.sims.credentials.tfe.token, ORG));
  });
  after(async () => {
    await deps.tfe.http.close();
    await lab.stop();
  });
  afterEach(() => {
    lab.sims.world.clearFaults();
    lab.sims.world.setDurations({ 'tfe.planning': null, 'tfe.applying': null });
  });

  it('ensures a workspace: created once, then found, then updated when a setting differs', async () => {
    const first = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-ensure' });
    assert.equal(first.created, true);
    const again = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-ensure' });
    assert.deepEqual([again.workspaceId, again.created, again.updated], [first.workspaceId, false, false]);
    const changed = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-ensure', autoApply: true });
    assert.equal(changed.updated, true);
  });

  it('sets variables by key: created, then updated; values never come back', async () => {
    const ws = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-vars' });
    const vars = [
      { key: 'vm_name', value: 'a' },
      { key: 'admin_password', value: 'hunter2-secret', sensitive: true },
    ];
    const first = await runTask(task('tfe:set-variables'), deps, {
      workspaceId: ws.workspaceId,
      variables: vars,
    });
    assert.deepEqual(
      first.variables.map((v: { action: string }) => v.action),
      ['created', 'created'],
    );
    const second = await runTask(task('tfe:set-variables'), deps, {
      workspaceId: ws.workspaceId,
      variables: vars,
    });
    assert.deepEqual(
      second.variables.map((v: { action: string }) => v.action),
      ['updated', 'updated'],
    );
    assert.ok(!JSON.stringify(second).includes('hunter2-secret'));
  });

  it('plans and applies a VM workspace with exactly one run, and the VM exists in vCenter', async () => {
    const before = runsCreated();
    const { workspaceId, configurationVersionId } = await preparedWorkspace('ws-vm-01', 'tfe-vm-01');
    // The upload queued no run of its own (auto-queue-runs: false).
    assert.equal(runsCreated() - before, 0);
    const run = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId, configurationVersionId, message: 'create tfe-vm-01' },
      nextStep(),
    );
    assert.equal(run.adopted, false);
    const planned = await runTask(task('tfe:wait-run'), deps, { runId: run.runId, until: 'confirmable' });
    assert.equal(planned.isConfirmable, true);
    assert.equal(planned.hasChanges, true);
    const applied = await runTask(task('tfe:apply-run'), deps, { runId: run.runId, comment: 'approved' });
    assert.equal(applied.accepted, true);
    const done = await runTask(task('tfe:wait-run'), deps, { runId: run.runId });
    assert.equal(done.status, 'applied');
    assert.equal(runsCreated() - before, 1);

    const outputs = await runTask(task('tfe:read-state-outputs'), deps, { workspaceId });
    assert.equal(outputs.hasState, true);
    const vmId = outputs.outputs.vm_id.value as string;
    const vc = createVcenterDeps(
      configFor.vcenter(
        lab.sims.urls.vcenter!,
        lab.sims.credentials.vcenter.username,
        lab.sims.credentials.vcenter.password,
      ),
    );
    const read = await runTask(
      vcenterSystem.tasks.find((t) => t.id === 'vcenter:read-vm')!,
      vc,
      { vm: vmId },
    );
    assert.equal(read.vm.name, 'tfe-vm-01');
    assert.equal(read.vm.cpuCount, 2);
    assert.equal(read.vm.memoryMiB, 8192);
    await vc.vcenter.close();

    // Applying again (a retry of the step) is success, not a second apply.
    const retried = await runTask(task('tfe:apply-run'), deps, { runId: run.runId });
    assert.equal(retried.accepted, false);
    assert.equal(retried.status, 'applied');
  });

  it('the same step creating a run twice makes one run (the key rides in the run message)', async () => {
    const { workspaceId, configurationVersionId } = await preparedWorkspace('ws-idem', 'tfe-idem-01');
    const ids = nextStep();
    const before = runsCreated();
    const first = await runTask(task('tfe:create-run'), deps, { workspaceId, configurationVersionId }, ids);
    const second = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId, configurationVersionId },
      { ...ids, attempt: 2 },
    );
    assert.equal(second.runId, first.runId);
    assert.equal(second.adopted, true);
    assert.equal(runsCreated() - before, 1);
    const read = await runTask(task('tfe:read-run'), deps, { runId: first.runId });
    // The marker carries the step's key as one search token.
    assert.match(read.message, /\[orchestrator-key [0-9a-f]{32}\]$/);
    await runTask(task('tfe:wait-run'), deps, { runId: first.runId, until: 'confirmable' });
    await runTask(task('tfe:discard-run'), deps, { runId: first.runId });
  });

  it('a first attempt of create-run does not list runs (TFE allows 30 list reads a minute); a retry does', async () => {
    const { workspaceId, configurationVersionId } = await preparedWorkspace('ws-first', 'tfe-first-01');
    const ids = nextStep();
    const listing = lab.sims.world.addHttpFault({
      system: 'tfe',
      method: 'GET',
      path: `/api/v2/workspaces/${workspaceId}/runs`,
      kind: 'error',
      status: 502,
      times: 1,
    });
    const first = await runTask(task('tfe:create-run'), deps, { workspaceId, configurationVersionId }, ids);
    assert.equal(first.adopted, false);
    assert.equal(lab.sims.world.state.faults.http.find((f) => f.id === listing.id)?.fired, 0);
    await expectFailure(
      runTask(task('tfe:create-run'), deps, { workspaceId, configurationVersionId }, { ...ids, attempt: 2 }),
      { type: 'UpstreamUnavailable', httpStatus: 502 },
    );
    await runTask(task('tfe:wait-run'), deps, { runId: first.runId, until: 'confirmable' });
    await runTask(task('tfe:discard-run'), deps, { runId: first.runId });
  });

  it('a create-run whose answer is lost (5xx after TFE acted) is retried and adopts the run', async () => {
    const { workspaceId, configurationVersionId } = await preparedWorkspace('ws-lost', 'tfe-lost-01');
    const ids = nextStep();
    const before = runsCreated();
    lab.sims.world.addHttpFault({
      system: 'tfe',
      method: 'POST',
      path: '/api/v2/runs',
      kind: 'error',
      status: 502,
      phase: 'after',
      times: 1,
    });
    await expectFailure(runTask(task('tfe:create-run'), deps, { workspaceId, configurationVersionId }, ids), {
      type: 'UpstreamUnavailable',
      httpStatus: 502,
    });
    const retry = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId, configurationVersionId },
      { ...ids, attempt: 2 },
    );
    assert.equal(retry.adopted, true);
    assert.equal(runsCreated() - before, 1);
    await runTask(task('tfe:wait-run'), deps, { runId: retry.runId, until: 'confirmable' });
    await runTask(task('tfe:discard-run'), deps, { runId: retry.runId });
  });

  /** A run of a new workspace, planned and waiting for confirmation. */
  async function confirmableRun(workspace: string, vm: string) {
    const { workspaceId, configurationVersionId } = await preparedWorkspace(workspace, vm);
    const run = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId, configurationVersionId },
      nextStep(),
    );
    await runTask(task('tfe:wait-run'), deps, { runId: run.runId, until: 'confirmable' });
    return run;
  }

  it('discard is decided by the run: done once, then already done, and apply after it can never succeed', async () => {
    const run = await confirmableRun('ws-discard', 'tfe-discard-01');
    const discarded = await runTask(task('tfe:discard-run'), deps, {
      runId: run.runId,
      comment: 'approval rejected',
    });
    assert.deepEqual([discarded.accepted, discarded.status], [true, 'discarded']);
    const again = await runTask(task('tfe:discard-run'), deps, { runId: run.runId });
    assert.equal(again.accepted, false);
    await expectFailure(runTask(task('tfe:apply-run'), deps, { runId: run.runId }), {
      type: 'InvalidInput',
      httpStatus: 409,
      message: ['cannot apply', 'discarded'],
    });
    await expectFailure(runTask(task('tfe:wait-run'), deps, { runId: run.runId }), {
      type: 'RunErrored',
      message: ['discarded'],
    });
    const cancel = await runTask(task('tfe:cancel-run'), deps, { runId: run.runId });
    assert.equal(cancel.accepted, false);
  });

  it('cancel-run stops a run waiting for confirmation by discarding it (TFE refuses to cancel it)', async () => {
    const run = await confirmableRun('ws-stop', 'tfe-stop-01');
    const stopped = await runTask(task('tfe:cancel-run'), deps, { runId: run.runId, comment: 'undo' });
    assert.deepEqual([stopped.accepted, stopped.status], [true, 'discarded']);
    const again = await runTask(task('tfe:cancel-run'), deps, { runId: run.runId });
    assert.deepEqual([again.accepted, again.status], [false, 'discarded']);
  });

  it('a run that errors ends the wait with RunErrored carrying the run id', async () => {
    const { workspaceId, configurationVersionId } = await preparedWorkspace('ws-doomed', 'tfe-doomed-01');
    lab.sims.world.addOutcomeRule({
      system: 'tfe',
      match: { workspace: 'ws-doomed' },
      outcome: 'errored',
      phase: 'plan',
      message: 'Invalid provider configuration',
      times: 1,
    });
    const run = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId, configurationVersionId },
      nextStep(),
    );
    const details = await expectFailure(runTask(task('tfe:wait-run'), deps, { runId: run.runId }), {
      type: 'RunErrored',
      message: [run.runId, 'errored'],
    });
    assert.equal(details.externalId, run.runId);
  });

  it('a retried wait resumes from its heartbeat; a cancelled wait stops at once and cancel-run interrupts the run', async () => {
    lab.sims.world.setDurations({ 'tfe.planning': 60_000 });
    const { workspaceId, configurationVersionId } = await preparedWorkspace('ws-wait', 'tfe-wait-01');
    const run = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId, configurationVersionId },
      nextStep(),
    );
    const heartbeats: unknown[] = [];
    await assert.rejects(
      runTask(
        task('tfe:wait-run'),
        deps,
        { runId: run.runId },
        { cancelAfterMs: 200, onHeartbeat: (d) => heartbeats.push(d) },
      ),
      (err) => err instanceof CancelledFailure,
    );
    assert.ok(heartbeats.length >= 1);
    const cancel = await runTask(task('tfe:cancel-run'), deps, { runId: run.runId });
    assert.equal(cancel.accepted, true);
    const since = Date.now() - 30_000;
    await expectFailure(
      runTask(
        task('tfe:wait-run'),
        deps,
        { runId: run.runId },
        {
          attempt: 2,
          heartbeatDetails: { runId: run.runId, waitingSince: since, polls: 4, status: 'planning' },
        },
      ),
      { type: 'RunErrored', message: ['canceled'] },
    );
    lab.sims.world.setDurations({ 'tfe.planning': null });
    const { workspaceId: ws2, configurationVersionId: cv2 } = await preparedWorkspace(
      'ws-resume',
      'tfe-resume-01',
    );
    const run2 = await runTask(
      task('tfe:create-run'),
      deps,
      { workspaceId: ws2, configurationVersionId: cv2 },
      nextStep(),
    );
    const resumed = await runTask(
      task('tfe:wait-run'),
      deps,
      { runId: run2.runId, until: 'confirmable' },
      {
        attempt: 2,
        heartbeatDetails: { runId: run2.runId, waitingSince: since, polls: 4, status: 'pending' },
      },
    );
    assert.equal(resumed.resumed, true);
    assert.ok(resumed.polls >= 5 && resumed.waitedMs >= 30_000);
    await runTask(task('tfe:discard-run'), deps, { runId: run2.runId });
  });

  it('the upload URL never travels in clear, and a URL sealed under another token is refused', async () => {
    const ws = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-seal' });
    const cv = await runTask(task('tfe:create-configuration-version'), deps, { workspaceId: ws.workspaceId });
    assert.match(cv.sealedUploadUrl, /^sealed:v1:/);
    assert.ok(!cv.sealedUploadUrl.includes('archivist'));
    const other = createTfeDeps(configFor.tfe(lab.sims.urls.tfe!, lab.sims.credentials.tfe.token, ORG));
    const foreign = {
      ...other,
      unseal: createTfeDeps(configFor.tfe(lab.sims.urls.tfe!, 'another-token-0000', ORG)).unseal,
    };
    await expectFailure(
      runTask(task('tfe:upload-configuration'), foreign, {
        configurationVersionId: cv.configurationVersionId,
        sealedUploadUrl: cv.sealedUploadUrl,
        files: vmModule(),
      }),
      { type: 'InvalidInput', message: ['sealed upload URL'] },
    );
    await other.tfe.http.close();
  });

  it('a 429 is waited out inside the call; one asking longer than the call may wait carries its delay', async () => {
    const ws = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-429' });
    lab.sims.world.addHttpFault({
      system: 'tfe',
      method: 'GET',
      path: '/api/v2/organizations/*',
      kind: 'rate-limit',
      retry_after_seconds: 1,
      times: 1,
    });
    const started = Date.now();
    const waited = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-429' });
    assert.equal(waited.workspaceId, ws.workspaceId);
    assert.ok(Date.now() - started >= 1_000);
    lab.sims.world.addHttpFault({
      system: 'tfe',
      method: 'GET',
      path: '/api/v2/organizations/*',
      kind: 'rate-limit',
      retry_after_seconds: 60,
      times: 1,
    });
    const details = await expectFailure(runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-429' }), {
      type: 'RateLimited',
      httpStatus: 429,
    });
    assert.equal(details.retryAfterMs, 60_000);
    const ok = await runTask(task('tfe:ensure-workspace'), deps, { name: 'ws-429' });
    assert.equal(ok.workspaceId, ws.workspaceId);
  });

  it('a wrong token is Unauthorized after one re-authentication, without the token', async () => {
    const bad = createTfeDeps(configFor.tfe(lab.sims.urls.tfe!, 'bad-token.atlasv1.0000', ORG));
    await expectFailure(runTask(task('tfe:read-run'), bad, { runId: 'run-abc123' }), {
      type: 'Unauthorized',
      httpStatus: 401,
      absent: ['bad-token.atlasv1.0000'],
    });
    await bad.tfe.http.close();
  });
});
