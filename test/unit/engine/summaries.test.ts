/**
 * What the Temporal Web UI shows of a request's workflows: summaries and details read like the
 * request, and carry nothing but names, sizes, IDs and states.
 */
import assert from 'node:assert/strict';
import type { RequestedResource, RequestProgress, RequestWorkflowInput } from '../../../common/request';
import {
  activitySummary,
  childSummary,
  requestCurrentDetails,
  requestDetails,
  requestSummary,
  resourceDetails,
  resourceSummary,
  stepLabel,
  templateCurrentDetails,
} from '../../../common/summaries';
import type { TemplatePlan } from '../../../common/template';
import { virtualMachineExamples } from '../../../resource-handlers/virtual_machine/examples';

const secret = 'hunter2-s3cret';

const web01: RequestedResource = {
  type: 'virtual_machine',
  action: 'create',
  name: 'web-01',
  managed: false,
  group: 'web-team',
  spec: {
    // The README's web-01, with more disks, a tag holding a secret, people to notify, a placement.
    ...virtualMachineExamples[0]!.input,
    disks: [{ sizeGb: 40 }, { sizeGb: 100 }],
    tags: { password: secret, owner: 'alice' },
    notify: ['alice@example.com'],
    placement: { cluster: 'CL-DEV-01' },
  },
};

const old01: RequestedResource = {
  type: 'virtual_machine',
  action: 'delete',
  name: 'old-01',
  managed: true,
  spec: { name: 'old-01' },
};

const input: RequestWorkflowInput = {
  traceId: 'trc_01M8P2KAV736H8CJQ3MVG2PF3G',
  requestId: 'req_01M8P2KAV8XXYHVMRYAVWFCKB6',
  requester: 'alice',
  requesterRole: 'requester',
  requesterGroups: ['web-team'],
  resources: [web01],
  notify: ['alice@example.com'],
  fileUrl: 'http://files/x',
  statusUrl: 'http://api/v1/requests/req_01M8P2KAV8XXYHVMRYAVWFCKB6',
  onFailure: 'pause',
  pauseTimeout: '2 hours',
};

const plan: TemplatePlan = {
  entry: 'vm-create-unmanaged@1.0.0',
  tasks: {},
  templates: {
    'vm-create-unmanaged@1.0.0': {
      name: 'vm-create-unmanaged',
      version: '1.0.0',
      description: 'Builds a VM once through AWX.',
      input: {},
      steps: [
        { id: 'read', task: 'rfm:read-resource', input: { password: secret } },
        { id: 'capacity', needs: ['read'], approval: { groups: ['capacity'], timeout: '3 days' } },
        {
          id: 'build',
          needs: ['capacity'],
          task: 'awx:run-job',
          description: 'Runs the build playbook.',
          forEach: { items: '${input.items}' },
        },
      ],
    },
  },
};

describe('Temporal Web UI summaries and details', () => {
  it("summarises a resource's template as the request asked for it", () => {
    assert.equal(resourceSummary(web01), 'VM web-01 · 2 CPU · 8 GB · INTRANET_DEV · unmanaged (AWX)');
    assert.equal(resourceSummary(old01), 'Delete VM old-01 · managed (TFE)');
    assert.equal(
      resourceSummary({ ...old01, type: 'network_segment', action: 'create' }),
      'network segment old-01 · managed (TFE)',
    );
  });

  it('summarises the request: who asks for what', () => {
    assert.equal(
      requestSummary(input),
      'alice asks for VM web-01 · 2 CPU · 8 GB · INTRANET_DEV · unmanaged (AWX)',
    );
    assert.equal(
      requestSummary({ ...input, resources: [web01, old01] }),
      'alice asks for 2 resources: VM web-01, delete VM old-01',
    );
  });

  it('details the request and each resource in full, with the IDs and the pause choice', () => {
    const details = requestDetails({ ...input, resources: [web01, old01] }, [
      'vm-create-unmanaged',
      'vm-delete-managed',
    ]);
    assert.match(details, /`req_01M8P2KAV8XXYHVMRYAVWFCKB6` · trace `trc_01M8P2KAV736H8CJQ3MVG2PF3G`/);
    assert.match(details, /pause up to 2 hours/);
    assert.match(
      details,
      /- VM web-01 · 2 CPU · 8 GB · INTRANET_DEV · unmanaged \(AWX\) \(OS image rhel9, disks 40 GB \+ 100 GB, placed on CL-DEV-01, owned by group web-team\), template `vm-create-unmanaged`/,
    );
    assert.match(details, /- Delete VM old-01 · managed \(TFE\), template `vm-delete-managed`/);
  });

  it("details a resource's template: the commit it reads and each step with what it calls", () => {
    const details = resourceDetails(web01, plan, input, { repoUrl: 'http://git/rfm.git', commit: 'abc1234' });
    assert.match(details, /^\*\*VM web-01 · 2 CPU/);
    assert.match(details, /Reads commit `abc1234` of http:\/\/git\/rfm.git/);
    assert.match(details, /Template `vm-create-unmanaged@1.0.0`: Builds a VM once through AWX\./);
    assert.match(details, /- `read`: calls `rfm:read-resource`\n/);
    assert.match(details, /- `capacity`: waits for approval by capacity\n/);
    assert.match(details, /- `build`: calls `awx:run-job` for each item \(Runs the build playbook\.\)$/);
  });

  it('names children and activities by their step, item and task', () => {
    const item = { key: 'web-01', index: 0, value: { password: secret } };
    assert.equal(
      childSummary(plan, 'parent-template', { stepId: 'build', item }),
      'step build [web-01] of parent-template · template vm-create-unmanaged',
    );
    assert.equal(
      activitySummary(stepLabel({ stepId: 'build', item, undo: true }), 'awx:run-job'),
      'undo of step build [web-01] · awx:run-job',
    );
  });

  it("keeps the request's progress in a few lines: status, each resource, a pause with its reason", () => {
    const progress: RequestProgress = {
      traceId: input.traceId,
      requestId: input.requestId,
      status: 'paused',
      resources: [
        {
          name: 'web-01',
          type: 'virtual_machine',
          action: 'create',
          template: 't',
          workflowId: 'w1',
          state: 'succeeded',
        },
        {
          name: 'web-02',
          type: 'virtual_machine',
          action: 'create',
          template: 't',
          workflowId: 'w2',
          state: 'running',
          paused: {
            stepId: 'build',
            error: { message: `no capacity\n${'x'.repeat(500)}` },
            pausedAt: '2026-11-30T10:00:00Z',
            deadline: '2026-12-01T10:00:00Z',
          },
        },
        {
          name: 'web-03',
          type: 'virtual_machine',
          action: 'create',
          template: 't',
          workflowId: 'w3',
          state: 'failed',
          error: { stepId: 'check', message: 'vCenter has no VM web-03' },
          compensated: ['build', 'address'],
        },
      ],
    };
    const lines = requestCurrentDetails(progress).split('\n');
    assert.equal(lines[0], '**paused** · 1 of 3 resources done');
    assert.equal(lines[1], '- VM web-01: succeeded');
    assert.match(
      lines[2]!,
      /^- VM web-02: \*\*paused\*\* at step `build` until 2026-12-01T10:00:00Z: no capacity x+…$/,
    );
    assert.ok(lines[2]!.length < 320, 'a long reason is clipped');
    assert.equal(
      lines[3],
      '- VM web-03: **failed** at step `check`: vCenter has no VM web-03 (undone: build, address)',
    );
  });

  it("keeps a template's progress: each started step, its attempts, items, IDs and reason", () => {
    const step = { kind: 'task' as const, attempts: 1, externalIds: {} };
    const details = templateCurrentDetails({
      template: { name: 'vm-create-unmanaged', version: '1.0.0' },
      workflowId: 'w',
      status: 'paused',
      steps: [
        { ...step, id: 'read', state: 'succeeded', externalIds: { gitCommit: 'abc1234' } },
        { ...step, id: 'capacity', kind: 'approval', state: 'skipped', skipReason: 'condition … is false' },
        {
          ...step,
          id: 'build',
          state: 'paused',
          attempts: 2,
          items: { total: 3, running: 0, succeeded: 1, failed: 1 },
          lastError: { message: 'AWX job 42 failed: no capacity' },
        },
        { ...step, id: 'check', state: 'pending' },
      ],
      compensations: [],
    });
    assert.deepEqual(details.split('\n'), [
      '**paused** · 2 of 4 steps done',
      '- `read`: succeeded · gitCommit abc1234',
      '- `capacity`: skipped: condition … is false',
      '- `build`: paused (attempt 2) · items 1 of 3 done: AWX job 42 failed: no capacity',
    ]);
  });

  it('never shows a spec field or an input value outside the known facts', () => {
    const all = [
      resourceSummary(web01),
      requestSummary(input),
      requestDetails(input, ['vm-create-unmanaged']),
      resourceDetails(web01, plan, input),
      childSummary(plan, 'p', { stepId: 'build', item: { key: 'k', index: 0, value: secret } }),
    ].join('\n');
    assert.ok(!all.includes(secret));
    assert.ok(!all.includes('alice@example.com'));
  });
});
