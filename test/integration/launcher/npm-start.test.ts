/**
 * `npm start` as a process manager runs it: the stack comes up on ports and data of its own (the
 * data in a folder only its owner may enter, as `mktemp -d` makes it), and a signal sent to the
 * npm process itself, not to its process group, stops every process the stack started.
 */
import assert from 'node:assert/strict';
import { niceOf } from '../../harness/proc';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../../platform/dev-config';
import { freePort, waitFor } from '../../../platform/net';

/** Every process below `root`, found by walking the parent links in /proc. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent PID is the 2nd field after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** A worker process's WORKER_TASK_QUEUES, or undefined for any other process (or one gone). */
function workerQueuesOf(pid: number): string | undefined {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workers/main.ts')) return undefined;
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((v) => v.startsWith('WORKER_TASK_QUEUES='))?.slice('WORKER_TASK_QUEUES='.length);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie has exited; only its parent has not reaped it yet.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('npm start under a process manager', function () {
  // A whole stack starts and stops in each case.
  this.timeout(360_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the whole stack when the npm process gets ${signal}`, async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'oo-npm-start-'));
      const output: string[] = [];
      // The embedded defaults, whatever this run was pointed at (a CI pass on DATABASE_URL's server
      // must not have the launcher migrate and seed that database).
      const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _temporal, ...inherited } = process.env;
      const npm = spawn('npm', ['start'], {
        cwd: projectRoot,
        env: {
          ...inherited,
          DATA_DIR: dataDir,
          API_PORT: String(await freePort()),
          SIM_PORT_ADMIN: String(await freePort()),
          TEMPORAL_PORT: String(await freePort()),
          TEMPORAL_UI_PORT: String(await freePort()),
          TEMPORAL_METRICS_PORT: String(await freePort()),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [npm.stdout, npm.stderr]) stream.on('data', (b: Buffer) => output.push(String(b)));
      const exited = new Promise<number | string>((resolve) =>
        npm.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
      );
      let started: number[] = [];
      try {
        await Promise.race([
          waitFor(
            'the stack to say it is ready',
            async () => output.join('').includes('The stack is ready.'),
            300_000,
            250,
          ),
          exited.then((code) => {
            throw new Error(`npm start exited (${code}) before the stack was ready`);
          }),
        ]);
        const text = output.join('');
        assert.match(text, /Simulators admin: http:\/\/127\.0\.0\.1:\d+/);
        started = descendants(npm.pid!);
        assert.ok(started.length >= 6, `the stack's processes: ${started.join(' ')}`);
        // The worker's two processes: the bulk lane's apart, at the lowest CPU priority.
        const workers = started
          .map((pid) => ({ pid, queues: workerQueuesOf(pid) }))
          .filter((w) => w.queues !== undefined);
        assert.deepEqual(workers.map((w) => w.queues).sort(), [
          'orchestrator,awx,tfe,vcenter,aci,awx-waits,tfe-waits',
          'orchestrator-bulk',
        ]);
        const own = getPriority();
        assert.equal(niceOf(workers.find((w) => w.queues === 'orchestrator-bulk')!.pid), 19);
        assert.equal(
          niceOf(workers.find((w) => w.queues !== 'orchestrator-bulk')!.pid),
          Math.min(19, own + 10),
        );

        process.kill(npm.pid!, signal);
        const code = await Promise.race([
          exited,
          new Promise((_, reject) => setTimeout(() => reject(new Error('npm did not exit')), 90_000)),
        ]);
        assert.notEqual(code, 'SIGKILL');
        await waitFor('every process of the stack to be gone', async () => !started.some(alive), 10_000, 200);
        assert.match(output.join(''), /\[stack\] stopped/);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- npm start said:\n${output.join('').slice(-6000)}`);
      } finally {
        for (const pid of [npm.pid!, ...started].filter(alive)) process.kill(pid, 'SIGKILL');
        // As root, the embedded PostgreSQL keeps data it cannot reach in this folder elsewhere.
        const elsewhere = /PostgreSQL data in (\S+):/.exec(output.join(''))?.[1];
        if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
