/**
 * The operator's path through the Temporal CLI, with the README's own commands (see
 * readme-recipes.ts): find a request's tree and its failures, read why it failed, re-run it with
 * a reset (one request, or every failed one of a trace), and resume a paused one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureTemporalCli } from '../../../platform/temporal/cli';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from './fixture';
import { readmeCommands, recipe } from './readme-recipes';

describe("the Temporal CLI on a request, with the README's commands", () => {
  let t: E2e;
  let erin: string;
  let temporal: (args: string[]) => Promise<string>;
  before(async () => {
    t = await e2e();
    erin = await t.requester('erin');
    const cli = ensureTemporalCli();
    // The README's note: against another server than the dev stack, add --address and --namespace.
    // Asynchronous: the workers run in this process, and an update waits for them to answer.
    temporal = async (args) =>
      (
        await promisify(execFile)(
          cli,
          [...args, '--address', t.stack.temporalAddress, '--namespace', t.stack.namespace],
          {
            encoding: 'utf8',
          },
        )
      ).stdout;
  });

  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;
  const isList = (c: string) => c.startsWith('temporal workflow list');
  const treeRecipe = (c: string) => isList(c) && c.includes("TraceId='trc_…'\"") && !c.includes(' AND ');
  const traceFailedRecipe = (c: string) =>
    isList(c) && c.includes('TraceId=') && c.includes("ExecutionStatus='Failed'");
  const lastDayRecipe = (c: string) => isList(c) && c.includes('StartTime >');
  const describeRecipe = (c: string) => c.startsWith('temporal workflow describe');
  const showRecipe = (c: string) => c.startsWith('temporal workflow show');
  const metadataRecipe = (c: string) => c.startsWith('temporal workflow metadata');
  const resetOneRecipe = (c: string) => c.startsWith('temporal workflow reset --workflow-id');
  const resetQueryRecipe = (c: string) => c.startsWith('temporal workflow reset --query');
  const resumeRecipe = (action: string) => (c: string) =>
    c.startsWith('temporal workflow update execute') &&
    c.includes('--name resume') &&
    c.includes(`"${action}"`);

  async function statusOf(requestId: string): Promise<string> {
    return (await t.api.call<{ status: string }>('GET', `/v1/requests/${requestId}`, { token: erin })).body
      .status;
  }

  async function until(requestId: string, status: string, timeoutMs = 90_000): Promise<void> {
    await waitFor(
      `request ${requestId} to be ${status}`,
      async () => (await statusOf(requestId)) === status,
      timeoutMs,
      250,
    );
  }

  // Every recipe is looked up before any request is made: a README edit that drops one fails here,
  // not half-way through a test that would leave a request paused.
  it('finds each recipe once in the README', () => {
    const picks = [
      treeRecipe,
      traceFailedRecipe,
      lastDayRecipe,
      describeRecipe,
      showRecipe,
      metadataRecipe,
      resetOneRecipe,
      resetQueryRecipe,
      resumeRecipe('retry'),
      resumeRecipe('abort'),
    ];
    for (const pick of picks) assert.equal(readmeCommands().filter(pick).length, 1, pick.toString());
  });

  /** Waits until a list recipe's output names `workflowId` (visibility is eventually consistent). */
  async function listed(args: string[], workflowId: string): Promise<string> {
    let out = '';
    await waitFor(
      `${workflowId} in: temporal ${args.join(' ')}`,
      async () => (out = await temporal(args)).includes(workflowId),
      20_000,
    );
    return out;
  }

  it("lists a request's whole tree by its trace ID", async () => {
    const name = unique('tree');
    const { requestId, traceId } = await t.submit(erin, { resources: [vm(name)] });
    assert.equal((await t.settle(erin, requestId)).status, 'succeeded');
    const out = await listed(
      recipe(treeRecipe, { traceId }),
      `${traceId}/${requestId}/vm-create-unmanaged[${name}]/build`,
    );
    assert.match(out, new RegExp(`${traceId}/${requestId}\\s`), 'the request itself');
    assert.ok(out.includes(`${traceId}/${requestId}/vm-create-unmanaged[${name}]`), 'its template');
    assert.match(out, /Completed/);
  });

  it('describes the request and its template by what was asked, and each activity by its step and task', async () => {
    const name = unique('story');
    const { requestId, traceId } = await t.submit(erin, { resources: [vm(name)] });
    assert.equal((await t.settle(erin, requestId)).status, 'succeeded');
    const child = `${traceId}/${requestId}/vm-create-unmanaged[${name}]`;
    const describeChild = recipe(describeRecipe, { traceId, requestId, name });
    assert.equal(describeChild.at(-1), child);
    const summary = `VM ${name} · 2 CPU · 8 GB · INTRANET_DEV · unmanaged (AWX)`;

    const request = await temporal([...describeChild.slice(0, -1), `${traceId}/${requestId}`]);
    assert.ok(request.includes(`erin@example.test asks for ${summary}`), request);
    assert.ok(request.includes(`**Request** \`${requestId}\` · trace \`${traceId}\``), request);
    assert.ok(request.includes('template `vm-create-unmanaged`'), request);
    const template = await temporal(describeChild);
    assert.ok(template.includes(summary), template);
    assert.ok(template.includes('- `build`: runs template `awx-run-job-template`'), template);
    assert.ok(template.includes('Template `vm-create-unmanaged@1.0.0`'), template);
    // The request's current details: its progress, kept up to date to the end.
    const metadata = await temporal(recipe(metadataRecipe, { traceId, requestId }));
    assert.ok(metadata.includes('**succeeded** · 1 of 1 resource done'), metadata);
    assert.ok(metadata.includes(`- VM ${name}: succeeded`), metadata);
    const templateNow = await temporal([
      ...recipe(metadataRecipe, { traceId, requestId }).slice(0, -1),
      child,
    ]);
    assert.ok(templateNow.includes('**succeeded** · 9 of 9 steps done'), templateNow);
    assert.ok(templateNow.includes('- `build`: succeeded · awxJob'), templateNow);

    // Each activity's summary, as the Web UI shows it: the step it serves and the task it calls.
    const activitySummaries = async (args: string[]) => {
      const history = JSON.parse(await temporal([...args, '--output', 'json'])) as {
        events: {
          activityTaskScheduledEventAttributes?: unknown;
          userMetadata?: { summary?: { data?: string } };
        }[];
      };
      return history.events
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) =>
          JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? '', 'base64').toString() || 'null'),
        );
    };
    const showChild = recipe(showRecipe, { traceId, requestId, name });
    const ofTemplate = await activitySummaries(showChild);
    assert.ok(ofTemplate.includes('step read · rfm:read-resource'), JSON.stringify(ofTemplate));
    assert.ok(ofTemplate.includes('step find · vcenter:list-vms'), JSON.stringify(ofTemplate));
    const ofRequest = await activitySummaries([...showChild.slice(0, -1), `${traceId}/${requestId}`]);
    assert.ok(ofRequest.includes(`prepare ${name} · resources:prepare`), JSON.stringify(ofRequest));
    assert.ok(ofRequest.includes(`commit ${name} · rfm:commit-resource`), JSON.stringify(ofRequest));
    for (const s of [...ofTemplate, ...ofRequest]) assert.match(String(s), / · [a-z]+:[a-z-]+$/);
  });

  it('finds a failed request as Failed, says why in its failure, and re-runs it in place with a reset', async () => {
    const name = unique('reset');
    const clear = t.failAwxFor(name, 'datastore ds-07 is full');
    const { requestId, traceId } = await t.submit(erin, { resources: [vm(name)] });
    const failed = await t.settle(erin, requestId);
    assert.equal(failed.status, 'failed');
    assert.match(
      failed.resources[0]!.error!.message,
      /datastore ds-07 is full/,
      'the API shows the job’s reason',
    );
    const workflowId = `${traceId}/${requestId}`;

    assert.match(await listed(recipe(traceFailedRecipe, { traceId }), workflowId), /Failed/);
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    await listed(recipe(lastDayRecipe, { since }), workflowId);
    const described = await temporal(recipe(describeRecipe, { traceId, requestId, name }));
    assert.match(described, /Failed/i);
    assert.match(described, /datastore ds-07 is full/);
    const shown = await temporal(recipe(showRecipe, { traceId, requestId, name }));
    assert.match(shown, /datastore ds-07 is full/, 'the template’s failure quotes the AWX job');
    const mail = await t.stack.sims.mailbox.waitFor(
      (m) => m.text.includes(requestId) && m.subject.includes('could not be built'),
    );
    assert.match(mail.subject, /AWX reports: datastore ds-07 is full/);

    clear();
    await temporal(recipe(resetOneRecipe, { traceId, requestId }));
    await waitFor(
      'the reset run to succeed',
      async () => (await statusOf(requestId)) === 'succeeded',
      90_000,
      500,
    );
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
    const { rows } = await t.stack.pool.query(
      'SELECT status FROM request_status_events WHERE request_id = $1 ORDER BY id',
      [requestId],
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['received', 'running', 'failed', 'running', 'succeeded'],
    );
  });

  it('re-runs every failed request of a trace with the query reset', async () => {
    const name = unique('batch');
    const clear = t.failAwxFor(name, 'no capacity');
    const { requestId, traceId } = await t.submit(erin, { resources: [vm(name)] });
    assert.equal((await t.settle(erin, requestId)).status, 'failed');
    await listed(recipe(traceFailedRecipe, { traceId }), `${traceId}/${requestId}`);
    clear();
    await temporal(recipe(resetQueryRecipe, { traceId }));
    await waitFor(
      'the batch reset to succeed',
      async () => (await statusOf(requestId)) === 'succeeded',
      120_000,
      500,
    );
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
  });

  it('resumes a paused request with the resume update: the failed step runs again, nothing else does', async () => {
    const name = unique('resume');
    const resumeArgs = (traceId: string, requestId: string) =>
      recipe(resumeRecipe('retry'), { traceId, requestId });
    const clear = t.failAwxFor(name, 'template host unreachable');
    const { requestId, traceId } = await t.submit(erin, { resources: [vm(name)], onFailure: 'pause' });
    await until(requestId, 'paused');
    // Where a waiting workflow stands, as the Web UI's "Stack Trace" tab shows it (its
    // `__stack_trace` query): the request's own code, source-mapped.
    const stack = await temporal(['workflow', 'stack', '--workflow-id', `${traceId}/${requestId}`]);
    assert.match(stack, /workflows\/request\.ts:\d+/, stack);
    clear();
    const out = await temporal(resumeArgs(traceId, requestId));
    assert.match(out, /retry/);
    const view = await t.settle(erin, requestId);
    assert.equal(view.status, 'succeeded', JSON.stringify(view.resources));
    assert.equal((await t.vcenter.listVms({ names: name })).length, 1);
    const jobs = Object.values(t.stack.sims.world.state.awx.jobs).filter(
      (j) => j.name === 'vm-create' && j.extra_vars.includes(`"${name}"`),
    );
    assert.deepEqual(jobs.map((j) => j.status).sort(), ['failed', 'successful']);
  });
});
