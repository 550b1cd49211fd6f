import assert from 'node:assert/strict';
import { niceOf } from '../../harness/proc';
import { existsSync, readFileSync } from 'node:fs';
import { allTaskQueues } from '../../../common/task-queues';
import { backgroundNiceness, bulkNiceness, startProcess } from '../../../platform/processes';
import { workerProcessShapes } from '../../../platform/worker-processes';

describe('background processes', () => {
  it('take STACK_BACKGROUND_NICE, 10 by default, 0 to switch it off, and refuse anything else', () => {
    assert.equal(backgroundNiceness({}), 10);
    assert.equal(backgroundNiceness({ STACK_BACKGROUND_NICE: '0' }), 0);
    assert.equal(backgroundNiceness({ STACK_BACKGROUND_NICE: '19' }), 19);
    for (const bad of ['20', '-5', 'low', '', '1.5'])
      assert.throws(() => backgroundNiceness({ STACK_BACKGROUND_NICE: bad }), /STACK_BACKGROUND_NICE/);
  });

  it('take STACK_BULK_NICE for the bulk lane, 19 by default, and refuse anything else', () => {
    assert.equal(bulkNiceness({}), 19);
    assert.equal(bulkNiceness({ STACK_BULK_NICE: '12' }), 12);
    for (const bad of ['20', '-1', 'lowest'])
      assert.throws(() => bulkNiceness({ STACK_BULK_NICE: bad }), /STACK_BULK_NICE must be a whole number/);
  });

  it("give each worker a process for the bulk lane apart from its main one's queues, at the bulk nice value", () => {
    const [main, bulk] = workerProcessShapes('worker-2', { STACK_BACKGROUND_NICE: '5' });
    assert.deepEqual(
      [...main!.taskQueues, ...bulk!.taskQueues].sort(),
      [...allTaskQueues].sort(),
      'every queue served once',
    );
    assert.deepEqual(bulk, { name: 'worker-2-bulk', taskQueues: ['orchestrator-bulk'], niceness: 19 });
    assert.equal(main!.name, 'worker-2');
    assert.equal(main!.niceness, 5);
    assert.ok(main!.taskQueues.includes('orchestrator'));
  });

  (process.platform === 'linux' ? it : it.skip)(
    'run with the nice value given, for the process and its autogroup where the kernel has one',
    async () => {
      const niced = startProcess('niced', 'sleep', ['30'], { niceness: 7, onLine: () => undefined });
      const plain = startProcess('plain', 'sleep', ['30'], { onLine: () => undefined });
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(niceOf(niced.child.pid!), Math.min(19, niceOf(process.pid) + 7));
        assert.equal(niceOf(plain.child.pid!), niceOf(process.pid));
        const group = `/proc/${niced.child.pid}/autogroup`;
        if (existsSync(group)) assert.match(readFileSync(group, 'utf8'), /nice 7\b/);
      } finally {
        await Promise.all([niced.stop(1_000), plain.stop(1_000)]);
      }
    },
  );
});
