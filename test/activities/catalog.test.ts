/**
 * The end-system task catalog: the task ids templates are written against exist, each on its
 * system's task queue with a declared timeout profile, and every example a task ships is valid
 * input for it.
 */
import assert from 'node:assert/strict';
import { aciSystem } from '../../activities/aci';
import { awxSystem } from '../../activities/awx';
import { emailSystem } from '../../activities/email';
import { taskCatalog } from '../../activities/registry';
import type { AnyTask } from '../../activities/task';
import { tfeSystem } from '../../activities/tfe';
import { vcenterSystem } from '../../activities/vcenter';
import { timeoutProfiles } from '../../common/tasks';

const expected: [readonly AnyTask<never>[], string, string[]][] = [
  [
    awxSystem.tasks,
    'awx',
    [
      'awx:find-job-template',
      'awx:launch-job-template',
      'awx:read-job',
      'awx:wait-job',
      'awx:read-job-stdout',
      'awx:cancel-job',
    ],
  ],
  [
    tfeSystem.tasks,
    'tfe',
    [
      'tfe:ensure-workspace',
      'tfe:set-variables',
      'tfe:create-configuration-version',
      'tfe:upload-configuration',
      'tfe:create-run',
      'tfe:read-run',
      'tfe:wait-run',
      'tfe:apply-run',
      'tfe:discard-run',
      'tfe:cancel-run',
      'tfe:read-state-outputs',
    ],
  ],
  [
    vcenterSystem.tasks,
    'vcenter',
    [
      'vcenter:list-clusters',
      'vcenter:list-datastores',
      'vcenter:list-networks',
      'vcenter:await-network',
      'vcenter:list-folders',
      'vcenter:list-vms',
      'vcenter:read-vm',
      'vcenter:power-on-vm',
      'vcenter:power-off-vm',
      'vcenter:delete-vm',
    ],
  ],
  [
    aciSystem.tasks,
    'aci',
    [
      'aci:ensure-tenant',
      'aci:ensure-application-profile',
      'aci:ensure-bridge-domain',
      'aci:ensure-epg',
      'aci:query-class',
      'aci:delete-object',
    ],
  ],
  [emailSystem.tasks, 'orchestrator', ['email:send-email']],
];

describe('end-system task catalog', () => {
  for (const [tasks, queue, ids] of expected) {
    it(`${queue}: exactly the agreed task ids, on the ${queue} queue`, () => {
      assert.deepEqual(
        tasks.map((t) => t.id),
        ids,
      );
      for (const t of tasks) {
        // A long wait runs on its system's wait queue, never beside the system's short calls.
        const want = t.timeouts === 'long' ? `${queue}-waits` : queue;
        assert.equal(taskCatalog.get(t.id)?.taskQueue, want, t.id);
        assert.ok(t.timeouts in timeoutProfiles, t.id);
        assert.ok(t.description.length > 10, t.id);
      }
    });
  }

  it('waits run on the long profile (heartbeats); every other call on the short one', () => {
    const all = expected.flatMap(([tasks]) => tasks);
    assert.deepEqual(
      all.filter((t) => t.timeouts === 'long').map((t) => t.id),
      ['awx:wait-job', 'tfe:wait-run'],
    );
  });

  for (const task of expected.flatMap(([tasks]) => tasks)) {
    it(`${task.id}: its examples are valid input`, () => {
      assert.ok((task.examples ?? []).length >= 1, 'ships at least one example');
      for (const example of task.examples ?? []) {
        const parsed = task.input.safeParse(example);
        assert.ok(parsed.success, `${JSON.stringify(example)}: ${parsed.error?.message}`);
      }
    });
  }
});
