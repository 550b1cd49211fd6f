import assert from 'node:assert/strict';
import { jobFailureReason } from '../../../activities/awx/wait-job';
import { terraformErrors } from '../../../activities/tfe/wait-run';

describe("an upstream's own reason for a failure", () => {
  it("takes a failed AWX job's task and its last lines, bounded and scrubbed", () => {
    const stdout = [
      'PLAY [vm_create] ****',
      '',
      'TASK [Gathering Facts] ****',
      'ok: [localhost]',
      '',
      'TASK [Create the VM] ****',
      ...Array.from({ length: 20 }, (_, i) => `debug line ${i}`),
      `fatal: [localhost]: FAILED! => {"msg": "datastore full", "password": "hunter22", "blob": "${'x'.repeat(1000)}"}`,
      '',
      'PLAY RECAP ****',
      'localhost : ok=1 changed=0 failed=1',
    ].join('\n');
    const reason = jobFailureReason(stdout);
    assert.equal(reason.task, 'Create the VM');
    assert.equal(reason.lastLines.length, 8);
    const fatal = reason.lastLines.at(-1)!;
    assert.match(fatal, /^fatal: \[localhost\]: FAILED! => \{"msg": "datastore full"/);
    assert.ok(!fatal.includes('hunter22'), fatal);
    assert.ok(fatal.length <= 301, `bounded: ${fatal.length}`);
    assert.ok(!reason.lastLines.some((l) => l.startsWith('PLAY RECAP') || l.startsWith('localhost :')));
  });

  it('reads an empty or unreadable AWX output as no reason', () => {
    assert.deepEqual(jobFailureReason(''), { lastLines: [] });
  });

  it('takes the Error: block of a Terraform log, bounded', () => {
    const log = [
      'Terraform v1.9.0',
      'Initializing plugins...',
      '',
      'Error: No value for required variable',
      '',
      '  on variables.tf.json line 1:',
      '  The root module input variable "cpu" is not set, and has no default value.',
      ...Array.from({ length: 30 }, (_, i) => `more ${i}`),
    ].join('\n');
    const lines = terraformErrors(log);
    assert.equal(lines[0], 'Error: No value for required variable');
    assert.match(lines[2]!, /"cpu" is not set/);
    assert.equal(lines.length, 12);
    assert.deepEqual(terraformErrors('Apply complete!'), []);
  });
});
