import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { backgroundNiceness, startProcess } from '../../../platform/processes';

/** The nice value of a process, from /proc/<pid>/stat (field 19). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('background processes', () => {
  it('take STACK_BACKGROUND_NICE, 10 by default, 0 to switch it off, and refuse anything else', () => {
    assert.equal(backgroundNiceness({}), 10);
    assert.equal(backgroundNiceness({ STACK_BACKGROUND_NICE: '0' }), 0);
    assert.equal(backgroundNiceness({ STACK_BACKGROUND_NICE: '19' }), 19);
    for (const bad of ['20', '-5', 'low', '', '1.5'])
      assert.throws(() => backgroundNiceness({ STACK_BACKGROUND_NICE: bad }), /STACK_BACKGROUND_NICE/);
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
