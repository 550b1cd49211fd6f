import assert from 'node:assert/strict';
import { finishedNotice, planChangedNotice, readableReason, receivedNotice } from '../../../common/notices';
import type {
  RequestedResource,
  RequestProgress,
  RequestWorkflowInput,
  ResourceOutcome,
} from '../../../common/request';

const vm = (name: string, extra: Record<string, unknown> = {}): RequestedResource => ({
  type: 'virtual_machine',
  action: 'create',
  name,
  managed: false,
  spec: {
    type: 'virtual_machine',
    name,
    osImage: 'rhel-9',
    network: 'INTRANET_DEV',
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 100 }],
    ...extra,
  },
});

const request = (
  resources: RequestedResource[],
  extra: Partial<RequestWorkflowInput> = {},
): RequestWorkflowInput => ({
  traceId: 'trc_01TRACE',
  requestId: 'req_01REQ',
  requester: 'alice@example.com',
  requesterRole: 'requester',
  requesterGroups: [],
  resources,
  notify: ['alice@example.com'],
  fileUrl: 'https://orch.example.com/v1/requests/req_01REQ/file',
  statusUrl: 'https://orch.example.com/v1/requests/req_01REQ',
  temporalUrl: 'https://temporal.example.com/namespaces/default/workflows/trc_01TRACE%2Freq_01REQ',
  ...extra,
});

const outcome = (r: RequestedResource, extra: Partial<ResourceOutcome>): ResourceOutcome => ({
  name: r.name,
  type: r.type,
  action: r.action,
  template: 'vm-create-unmanaged',
  workflowId: `trc_01TRACE/req_01REQ/vm-create-unmanaged[${r.name}]`,
  state: 'succeeded',
  ...extra,
});

const progress = (status: RequestProgress['status'], resources: ResourceOutcome[]): RequestProgress => ({
  traceId: 'trc_01TRACE',
  requestId: 'req_01REQ',
  status,
  resources,
});

const noCapacity = {
  message:
    'template awx-run-job-template failed at step wait: awx job 42 ended failed at task "Create the VM"',
  type: 'JobFailed',
  externalId: '42',
  system: 'awx',
  upstreamMessage:
    'fatal: [localhost]: FAILED! => {"changed": false, "msg": "no capacity on cluster CL-DEV-01"}',
  stepId: 'build',
};

describe('the notices about a request', () => {
  const web = vm('web-01');

  it('says a single VM is ready at its address, in the words it was asked in', () => {
    const n = finishedNotice(
      request([web]),
      progress('succeeded', [
        outcome(web, { output: { ipv4Address: '10.20.0.10', vm: 'vm-1001', powerState: 'POWERED_ON' } }),
      ]),
    );
    assert.equal(n.subject, 'Your VM web-01 (2 CPU, 8 GB, INTRANET_DEV) is ready at 10.20.0.10');
    assert.match(
      n.text,
      /VM web-01 \(2 CPU, 8 GB, INTRANET_DEV\): ready \(address 10\.20\.0\.10, vCenter VM vm-1001, powered on\)/,
    );
    assert.match(n.text, /https:\/\/orch\.example\.com\/requests\/req_01REQ/);
    assert.match(n.text, /https:\/\/orch\.example\.com\/resources\/virtual_machine\/web-01/);
    assert.match(n.text, /https:\/\/orch\.example\.com\/v1\/requests\/req_01REQ\b/);
    assert.match(n.html, /<a href="https:\/\/orch\.example\.com\/requests\/req_01REQ">/);
    assert.doesNotMatch(n.text, /rerun/);
  });

  it("says why a VM could not be built in the upstream's words, what to do next, and keeps the IDs for the end", () => {
    const n = finishedNotice(
      request([web]),
      progress('failed', [
        outcome(web, { state: 'failed', error: noCapacity, compensated: ['address', 'git'] }),
      ]),
    );
    assert.equal(
      n.subject,
      'Your VM web-01 (2 CPU, 8 GB, INTRANET_DEV) could not be built: AWX reports: no capacity on cluster CL-DEV-01',
    );
    assert.match(n.text, /POST https:\/\/orch\.example\.com\/v1\/requests\/req_01REQ\/rerun/);
    assert.match(n.text, /undone: address, git/);
    assert.match(n.text, /ask the team that runs the platform/);
    // A failed create has no page to link to; the IDs come after everything a person reads.
    assert.doesNotMatch(n.text, /\/resources\/virtual_machine\/web-01/);
    const ids = n.text.indexOf('For engineers:');
    assert.ok(ids > n.text.indexOf('What next'), n.text);
    for (const id of ['req_01REQ', 'trc_01TRACE', 'upstream ID: 42', 'temporal.example.com'])
      assert.ok(n.text.indexOf(id, ids) > ids, `${id} among the IDs at the bottom`);
    assert.ok(n.html.indexOf('<hr>') < n.html.indexOf('trc_01TRACE'));
  });

  it('escapes whatever it quotes in the HTML part', () => {
    const evil = vm('web-01', { network: '<script>alert("x")</script>' });
    const n = finishedNotice(
      request([evil]),
      progress('failed', [
        outcome(evil, {
          state: 'failed',
          error: { message: 'boom', system: 'vcenter', upstreamMessage: 'a <b> & "c"' },
        }),
      ]),
    );
    assert.doesNotMatch(n.html, /<script>|<b>/);
    assert.match(n.html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    assert.match(n.html, /vCenter reports: a &lt;b&gt; &amp; &quot;c&quot;/);
    assert.match(n.text, /<script>/, 'the plain part quotes it as it is');
  });

  it('reads the reasons of each end system as a person would say them', () => {
    const cases: [Parameters<typeof readableReason>[0], string][] = [
      [noCapacity, 'AWX reports: no capacity on cluster CL-DEV-01'],
      [
        {
          message: 'run errored',
          system: 'tfe',
          upstreamMessage: 'Terraform v1.9\n│ Error: No value for required variable\n│ on main.tf',
        },
        'Terraform Enterprise reports: No value for required variable',
      ],
      [
        { message: 'vcenter: com.vmware.vapi.std.errors.not_found', system: 'vcenter' },
        'vCenter reports: vcenter: com.vmware.vapi.std.errors.not_found',
      ],
      [
        { message: 'rejected by carol: too big', type: 'ApprovalDenied', system: 'template' },
        'rejected by carol: too big',
      ],
      [{ message: 'first line\nsecond line' }, 'first line'],
      [undefined, 'the reason was not recorded'],
    ];
    for (const [error, said] of cases) assert.equal(readableReason(error), said);
  });

  it('tells of a request of many VMs and of a delete in a few words', () => {
    const many = ['web-01', 'web-02', 'web-03', 'web-04'].map((n) => vm(n));
    const got = finishedNotice(
      request(many),
      progress('failed', [
        ...many.slice(0, 3).map((r) => outcome(r, { output: { ipv4Address: '10.20.0.1' } })),
        outcome(many[3]!, { state: 'failed', error: noCapacity }),
      ]),
    );
    assert.equal(got.subject, 'Your 4 VMs (web-01, web-02, web-03 and 1 more): 3 of 4 done, 1 not');
    assert.match(got.text, /1 resource of 4 could not be done/);
    assert.match(
      got.text,
      /VM web-04 \(2 CPU, 8 GB, INTRANET_DEV\): could not be built: AWX reports: no capacity/,
    );
    // Only what exists gets a page link.
    assert.match(got.text, /resources\/virtual_machine\/web-03/);
    assert.doesNotMatch(got.text, /resources\/virtual_machine\/web-04/);

    const gone: RequestedResource = {
      type: 'virtual_machine',
      action: 'delete',
      name: 'old-01',
      managed: false,
      spec: { name: 'old-01' },
    };
    assert.equal(receivedNotice(request([gone])).subject, 'Received: removal of VM old-01');
    assert.equal(
      finishedNotice(request([gone]), progress('succeeded', [outcome(gone, { output: { removed: true } })]))
        .subject,
      'Your VM old-01 has been removed',
    );
    assert.equal(
      finishedNotice(request([gone]), progress('cancelled', [outcome(gone, { state: 'cancelled' })])).subject,
      'Cancelled: your removal of VM old-01',
    );
  });

  it('tells of a day-2 change in a few words', () => {
    const change = (action: 'update' | 'power', spec: Record<string, unknown>): RequestedResource => ({
      type: 'virtual_machine',
      action,
      name: 'web-01',
      managed: false,
      spec: { type: 'virtual_machine', action, name: 'web-01', ...spec },
    });
    const grow = change('update', { cpu: 4, memoryGb: 16 });
    const off = change('power', { power: 'off' });
    const restart = change('power', { power: 'restart' });
    assert.equal(receivedNotice(request([grow])).subject, 'Received: change of VM web-01 (4 CPU, 16 GB)');
    assert.equal(receivedNotice(request([off])).subject, 'Received: power-off of VM web-01');
    const done = (r: RequestedResource) =>
      finishedNotice(request([r]), progress('succeeded', [outcome(r, {})])).subject;
    assert.equal(done(grow), 'Your VM web-01 (4 CPU, 16 GB) has been changed');
    assert.equal(done(off), 'Your VM web-01 is powered off');
    assert.equal(done(restart), 'Your VM web-01 has been restarted');
    assert.equal(
      finishedNotice(
        request([grow]),
        progress('failed', [outcome(grow, { state: 'failed', error: noCapacity })]),
      ).subject,
      'Your VM web-01 (4 CPU, 16 GB) could not be changed: AWX reports: no capacity on cluster CL-DEV-01',
    );
  });

  it('says on receipt what was asked and how a paused request is resumed', () => {
    const n = receivedNotice(
      request([vm('db-01', { leaseEnd: '2026-12-31T00:00:00Z' })], {
        onFailure: 'pause',
        pauseTimeout: '2 hours',
      }),
    );
    assert.equal(n.subject, 'Received: your VM db-01 (2 CPU, 8 GB, INTRANET_DEV)');
    assert.match(n.text, /image rhel-9, disk 100 GB, built by AWX, until 2026-12-31T00:00:00Z/);
    assert.match(n.text, /pauses for up to 2 hours/);
    assert.match(n.text, /POST https:\/\/orch\.example\.com\/v1\/requests\/req_01REQ\/resume/);
    assert.match(n.html, /^<!DOCTYPE html>/);
  });

  it('names who aborted a paused request', () => {
    const n = finishedNotice(
      request([web], { onFailure: 'pause' }),
      progress('failed', [
        outcome(web, {
          state: 'failed',
          error: noCapacity,
          resumes: [
            { action: 'abort', by: 'ops@example.com', at: '2026-11-30T10:00:00.000Z', stepId: 'build' },
          ],
        }),
      ]),
    );
    assert.match(n.text, /aborted by ops@example\.com at 2026-11-30T10:00:00\.000Z/);
  });

  it('tells that the plan changed, what changed, who decides and how, its values escaped in the HTML', () => {
    const notice = planChangedNotice(request([vm('web-01')]), {
      planHash: 'sha256:new',
      previousPlanHash: 'sha256:old',
      changes: [{ path: 'plan.resources.0.steps.1.when.condition', message: 'was "a > 8", now "a > 1 <b>"' }],
      groups: ['capacity'],
      asked: true,
      requester: 'alice@example.com',
      since: '2026-01-01T00:00:00.000Z',
      deadline: '2026-01-02T00:00:00.000Z',
      waiting: true,
    });
    assert.match(notice.subject, /^Plan changed, decision needed: /);
    assert.match(notice.text, /sha256:old/);
    assert.match(notice.text, /plan\.resources\.0\.steps\.1\.when\.condition: was "a > 8", now "a > 1 <b>"/);
    assert.match(notice.text, /its requester alice@example\.com, an approver of capacity, an admin/);
    assert.match(notice.text, /"stepId":"plan","decision":"approve" or "reject","planHash":"sha256:new"/);
    assert.ok(!notice.html.includes('<b>'), 'the change is escaped');
  });
});
