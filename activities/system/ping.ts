/**
 * `system:ping`: answered by every worker on every task queue, so a workflow can prove that each
 * queue has a live worker end to end (the readiness probe only proves that one is polling).
 */
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';

export interface PingResult {
  taskQueue: string;
  worker: string;
}

export async function ping(): Promise<PingResult> {
  return { taskQueue: Context.current().info.taskQueue, worker: `${process.pid}@${hostname()}` };
}
