/**
 * `system:ping`: answered by every worker on every task queue, so a workflow can prove that each
 * queue has a live worker end to end (the readiness probe only proves that one is polling).
 */
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { defineTask } from '../task';

const pingResult = z.object({ taskQueue: z.string(), worker: z.string() });

export type PingResult = z.infer<typeof pingResult>;

export const ping = defineTask({
  id: 'system:ping',
  description: 'Answers with the task queue and the worker that served the call.',
  timeouts: 'short',
  // Called without arguments.
  input: z.undefined(),
  output: pingResult,
  async handler(): Promise<PingResult> {
    return { taskQueue: Context.current().info.taskQueue, worker: `${process.pid}@${hostname()}` };
  },
});
