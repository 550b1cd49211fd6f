/**
 * `systemCheck`: pings every task queue through a real activity and returns who answered. An
 * operator runs it with `temporal workflow start --type systemCheck --task-queue orchestrator`;
 * the tests use it to prove a worker serves each queue.
 */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PingResult } from '../activities/system/ping';
import { TraceId, RequestStatus } from '../common/search-attributes';
import { allTaskQueues } from '../common/task-queues';
import { traceIdOf } from '../common/ids';

export interface SystemCheckResult {
  queues: PingResult[];
}

export async function systemCheck(): Promise<SystemCheckResult> {
  const info = workflowInfo();
  if (!info.typedSearchAttributes.get(TraceId)) {
    upsertSearchAttributes([{ key: TraceId, value: traceIdOf(info.workflowId) }]);
  }
  upsertSearchAttributes([{ key: RequestStatus, value: 'running' }]);
  const queues = await Promise.all(
    allTaskQueues.map((taskQueue) => {
      const { 'system:ping': ping } = proxyActivities<{ 'system:ping': () => Promise<PingResult> }>({
        taskQueue,
        startToCloseTimeout: '10 seconds',
        // A queue with no worker fails the check instead of waiting forever.
        scheduleToStartTimeout: '30 seconds',
        retry: { maximumAttempts: 1 },
      });
      return ping();
    }),
  );
  upsertSearchAttributes([{ key: RequestStatus, value: 'succeeded' }]);
  return { queues };
}
