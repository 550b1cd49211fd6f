/**
 * `npm run chaos`: the full chaos run of issue 6 on a topology of its own (see docs/chaos.md).
 * Options: `--seed N` repeats an earlier run, `--requests N`, `--kills N` and `--cancel-share F`
 * (the share of requests cancelled while they run) change its size, `--processes N` runs N API
 * and N worker processes (one of each killed, the others carrying on),
 * `--short` runs the test suite's size, `--keep` keeps the temporary folder, `--storm-requests N`
 * sizes the storm after the workload and `--no-storm` leaves it out. The last line is the run's
 * figures; the exit code is 1 when anything was lost, duplicated, orphaned, stalled or
 * mismatched, the storm's probe was late, `/readyz` failed in the storm, or the chaos fell short.
 */
import { parseArgs } from 'node:util';
import { figuresLine, fullSize, runChaos, testSize } from '../test/chaos/run';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    requests: { type: 'string' },
    kills: { type: 'string' },
    'cancel-share': { type: 'string' },
    keep: { type: 'boolean', default: false },
    short: { type: 'boolean', default: false },
    'storm-requests': { type: 'string' },
    'no-storm': { type: 'boolean', default: false },
    processes: { type: 'string' },
  },
});
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const size = {
  ...(values.short ? testSize : fullSize),
  ...(values.requests ? { requests: Number(values.requests) } : {}),
  ...(values.kills ? { kills: Number(values.kills) } : {}),
  ...(values['cancel-share'] ? { cancelShare: Number(values['cancel-share']) } : {}),
  ...(values.processes ? { processes: Number(values.processes) } : {}),
};
const base = values.short ? testSize : fullSize;
if (values['no-storm']) delete size.storm;
else if (values['storm-requests'] && base.storm) {
  const requests = Number(values['storm-requests']);
  size.storm = {
    ...base.storm,
    requests,
    minInFlight: Math.min(base.storm.minInFlight, Math.floor(requests * 0.8)),
  };
}
if (!(size.cancelShare >= 0 && size.cancelShare <= 1)) {
  console.error('--cancel-share must be between 0 and 1');
  process.exit(2);
}
for (const [name, n] of [
  ['seed', seed],
  ['requests', size.requests],
  ['kills', size.kills],
  ['storm-requests', size.storm?.requests ?? 0],
  ['processes', (size.processes ?? 1) - 1],
] as const)
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number`);
    process.exit(2);
  }

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
runChaos({ size, seed, log, keep: values.keep }).then(
  (report) => {
    for (const problem of report.problems) log(`FAILED: ${problem}`);
    process.stdout.write(`${figuresLine(report)}\n`);
    process.exit(report.problems.length ? 1 : 0);
  },
  (err: Error) => {
    log(`the run could not complete: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
