/**
 * The benchmark's per-process figures read from /proc: a process counted with the processes it
 * started (the worker's git process), so moving work into a child does not flatter a figure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { treeCpuMs, treeRssMiB } from '../../../bench/stats';

describe('bench: CPU time and memory of a process tree', () => {
  it('counts the CPU time and the memory of the processes a process started', async () => {
    // A child that burns 400 ms of CPU time (not of the clock: the machine may be busy), then
    // idles until killed.
    const child = spawn(process.execPath, [
      '-e',
      'const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; while (used() < 400); process.stdout.write("done"); setInterval(() => {}, 1000);',
    ]);
    try {
      await once(child.stdout, 'data');
      const own = process.cpuUsage();
      const childMs = treeCpuMs(child.pid!);
      assert.ok(childMs !== undefined && childMs >= 300, `the child used ${childMs} ms`);
      const tree = treeCpuMs(process.pid)!;
      assert.ok(
        tree >= (own.user + own.system) / 1000 + 300 - 20,
        `the tree's ${tree} ms should hold this process's ${(own.user + own.system) / 1000} ms and the child's`,
      );
      assert.ok(treeRssMiB(process.pid)! > treeRssMiB(child.pid!)!, 'the tree holds the child');
    } finally {
      child.kill();
    }
  });

  it('says undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    assert.equal(treeCpuMs(child.pid!), undefined);
    assert.equal(treeRssMiB(child.pid!), undefined);
  });
});
