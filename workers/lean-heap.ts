/**
 * V8 settings of the worker process, set before anything else loads (imported first by
 * `workers/main.ts`), so before the SDK creates the isolate that runs the workflows.
 *
 * That isolate keeps every cached workflow. By V8's default it let its garbage grow to about four
 * times what it kept before a full collection (a throughput run: 54 MiB kept, collected at
 * 222 MiB), and the worker's peak resident memory in the benchmark's throughput phase swung
 * between 500 and 710 MiB with the moment that happened. Growing by half of what it keeps, the
 * peak was 452–501 MiB, and the single-VM request's end-to-end time did not move beyond the
 * runs' own spread (bench/README.md, "Lean workers").
 */
import v8 from 'node:v8';

const WORKER_V8_FLAGS = ['--heap-growing-percent=50'];

for (const flag of WORKER_V8_FLAGS) v8.setFlagsFromString(flag);
