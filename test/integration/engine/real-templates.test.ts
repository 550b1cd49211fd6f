/**
 * The real templates run end to end by the interpreter on the dev server, their tasks served by
 * the real AWX, TFE and ACI task declarations against the simulators. The plan's task queues are
 * pointed at a queue of this suite so the stack's own workers do not take the tasks.
 */
import assert from 'node:assert/strict';
import { aciSystem, createAciDeps, type AciDeps } from '../../../activities/aci';
import { awxSystem, createAwxDeps, type AwxDeps } from '../../../activities/awx';
import { taskCatalog } from '../../../activities/registry';
import { buildActivities } from '../../../activities/task';
import { createTfeDeps, tfeSystem, type TfeDeps } from '../../../activities/tfe';
import { requestIdFrom, requestWorkflowId, traceIdFrom, childWorkflowId } from '../../../common/ids';
import { traceSearchAttributes, type TraceContext } from '../../../common/search-attributes';
import type { TemplatePlan, TemplateRef } from '../../../common/template';
import { loadTemplateLibrary, templatesDir, type TemplateLibrary } from '../../../templates/library';
import { templateInterpreter } from '../../../workflows/template';
import { configFor } from '../../activities/fixtures';
import { startActivityLab, type ActivityLab } from '../../activities/lab';
import { getStack, withWorker } from '../../harness/stack';
import { failedResult, recordHistory, testQueue } from './engine-fixture';
import { ulid } from 'ulid';

describe('real templates on the simulators (integration)', function () {
  this.timeout(120_000);
  const queue = testQueue('real');
  let lab: ActivityLab;
  let library: TemplateLibrary;
  let awx: AwxDeps;
  let tfe: TfeDeps;
  let aci: AciDeps;
  let activities: Record<string, (input: unknown) => Promise<unknown>>;

  before(async function () {
    this.timeout(300_000);
    await getStack();
    lab = await startActivityLab(['awx', 'vcenter', 'tfe', 'aci']);
    const { urls, credentials } = lab.sims;
    awx = createAwxDeps(configFor.awx(urls.awx!, credentials.awx.token));
    tfe = createTfeDeps(configFor.tfe(urls.tfe!, credentials.tfe.token, 'lab'));
    aci = createAciDeps(configFor.aci(urls.aci!, credentials.aci.username, credentials.aci.password));
    activities = {
      ...buildActivities(awxSystem.tasks, awx),
      ...buildActivities(tfeSystem.tasks, tfe),
      ...buildActivities(aciSystem.tasks, aci),
    };
    library = loadTemplateLibrary(templatesDir, taskCatalog);
  });
  after(async () => {
    await lab?.stop();
  });

  /** Runs a real template with its tasks routed to this suite's queue. */
  async function start(ref: TemplateRef, input: unknown) {
    const compiled = library.plan(ref);
    const plan: TemplatePlan = {
      ...compiled,
      tasks: Object.fromEntries(
        Object.entries(compiled.tasks).map(([id, m]) => [id, { ...m, taskQueue: queue }]),
      ),
    };
    const trace: TraceContext = {
      traceId: traceIdFrom(ulid()),
      requestId: requestIdFrom(ulid()),
      templateName: ref.name,
    };
    const { client } = await getStack();
    return client.workflow.start(templateInterpreter, {
      taskQueue: queue,
      workflowId: childWorkflowId(requestWorkflowId(trace.traceId, trace.requestId), ref.name),
      args: [{ plan, input, trace }],
      typedSearchAttributes: traceSearchAttributes(trace),
    });
  }

  it('awx-run-job-template launches vm-create, waits for it and returns its output', async () => {
    await withWorker({ taskQueue: queue, activities }, async () => {
      const handle = await start(
        { name: 'awx-run-job-template', version: '1.0.0' },
        { jobTemplate: 'vm-create', extraVars: { vm_name: 'tmpl-web-01', cpu: 2, memory_gb: 8 } },
      );
      const result = await handle.result();
      const output = result.output as { job: number; status: string; stdout: string };
      assert.equal(output.status, 'successful');
      assert.ok(output.stdout.length > 0);
      const launch = result.steps.find((s) => s.id === 'launch')!;
      assert.equal(launch.externalIds.awxJob, String(output.job));
      await recordHistory('real-awx-run-job-template', handle.workflowId);
    });
  });

  it('tfe-plan-apply applies a plan with changes, and skips the apply of one without', async () => {
    await withWorker({ taskQueue: queue, activities }, async () => {
      const ref = { name: 'tfe-plan-apply', version: '1.0.0' };
      const input = {
        workspace: 'tmpl-ws-01',
        files: {
          'main.tf.json': JSON.stringify({
            resource: { terraform_data: { marker: { input: 'engine-tests' } } },
            output: { hello: { value: 'world' } },
          }),
        },
        variables: [{ key: 'owner', value: 'engine-tests' }],
      };
      type Output = {
        status: string;
        runId: string;
        hasChanges: boolean;
        outputs: Record<string, { value: unknown }>;
      };
      const firstHandle = await start(ref, input);
      const first = await firstHandle.result();
      await recordHistory('real-tfe-plan-apply', firstHandle.workflowId);
      const applied = first.output as Output;
      assert.equal(applied.status, 'applied');
      assert.equal(applied.hasChanges, true);
      assert.equal(applied.outputs.hello?.value, 'world');
      assert.equal(first.steps.find((s) => s.id === 'run')!.externalIds.tfeRun, applied.runId);

      const second = await (await start(ref, { ...input, variables: [] })).result();
      const unchanged = second.output as Output;
      assert.equal(unchanged.status, 'planned_and_finished');
      const states = Object.fromEntries(second.steps.map((s) => [s.id, s.state]));
      assert.deepEqual(states, {
        workspace: 'succeeded',
        variables: 'skipped',
        configurationVersion: 'succeeded',
        upload: 'succeeded',
        run: 'succeeded',
        planned: 'succeeded',
        apply: 'skipped',
        applied: 'skipped',
        outputs: 'succeeded',
      });
      assert.equal(unchanged.outputs.hello?.value, 'world');
    });
  });

  it('aci-network builds the network, and a failed build deletes only what it created', async () => {
    await withWorker({ taskQueue: queue, activities }, async () => {
      const ref = { name: 'aci-network', version: '1.0.0' };
      const network = {
        tenant: 'TmplLab',
        vrf: 'lab_vrf',
        applicationProfile: 'shop',
        bridgeDomain: { name: 'web_bd', subnets: [{ ip: '10.20.1.1/24' }] },
        epg: { name: 'web', domains: [{ tDn: 'uni/phys-phys_dom' }] },
      };
      const built = await (await start(ref, network)).result();
      assert.deepEqual(built.output, {
        tenant: 'uni/tn-TmplLab',
        applicationProfile: 'uni/tn-TmplLab/ap-shop',
        bridgeDomain: 'uni/tn-TmplLab/BD-web_bd',
        epg: 'uni/tn-TmplLab/ap-shop/epg-web',
      });

      // Same tenant, a new application profile, and an EPG the APIC task refuses (bad static path).
      const failing = await start(ref, {
        ...network,
        applicationProfile: 'shop2',
        epg: { name: 'web', staticPaths: [{ tDn: 'not-a-path', encap: 'vlan-10' }] },
      });
      const { result } = await failedResult(failing);
      await recordHistory('real-aci-network-compensated', failing.workflowId);
      assert.equal(result.error?.stepId, 'epg');
      assert.equal(result.error?.type, 'InvalidInput');
      // The tenant and the bridge domain existed before: left alone. The new AP is deleted.
      assert.deepEqual(result.compensations, [{ stepId: 'applicationProfile', state: 'succeeded' }]);
      const states = Object.fromEntries(result.steps.map((s) => [s.id, s.state]));
      assert.deepEqual(states, {
        tenant: 'succeeded',
        applicationProfile: 'compensated',
        bridgeDomain: 'succeeded',
        epg: 'failed',
      });
    });
  });
});
