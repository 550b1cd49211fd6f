/**
 * The chaos run at the test suite's size: a dozen requests through the API while the worker is
 * killed twice and the Temporal server restarted once, with faults injected by the simulators;
 * then a small storm (18 builds and 20 re-runs of one failed request at once, on fewer wait and
 * call slots than it needs, TFE running 2 runs at a time, a kill at its peak). Nothing may be
 * lost, duplicated, orphaned, stalled or disagree between the ledger and Temporal; the probe
 * request at the storm's peak ends within its bound; /readyz stays ready and shows the tfe
 * queue's backlog. Once on one API and one worker process, once on two of each (as
 * `API_PROCESSES=2 WORKER_PROCESSES=2 npm start` runs them), one of each killed.
 */
import assert from 'node:assert/strict';
import { figuresLine, runChaos, testSize } from './run';

describe('chaos: crashes, a Temporal restart and upstream faults lose nothing and do nothing twice', function () {
  this.timeout(600_000);

  const topologies = [
    { title: 'one API and one worker process', processes: 1 },
    { title: 'two API and two worker processes, one of each killed', processes: 2 },
  ];
  for (const { title, processes } of topologies)
    it(`ends every request once, builds exactly its VMs and compensates the failed ones (${title})`, async () => {
      const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : 20261125;
      const lines: string[] = [];
      const report = await runChaos({
        size: { ...testSize, processes },
        seed,
        log: (line) => {
          lines.push(line);
          if (process.env.TEST_VERBOSE === '1') process.stderr.write(`[chaos] ${line}\n`);
        },
      });
      const figures = figuresLine(report);
      assert.deepEqual(report.problems, [], `${lines.join('\n')}\n${figures}`);
      assert.ok(report.audit.requests.succeeded > 0 && report.audit.requests.failed > 0, figures);
    });
});
