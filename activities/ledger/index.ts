/** The ledger: requests' statuses and stories in Postgres, written from the `orchestrator` task queue. */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defineSystem, type TaskActivities } from '../task';
import { admitRequest } from './admit-request';
import type { LedgerDeps } from './deps';
import { recordEvents } from './record-events';
import { recordOutcomes } from './record-outcomes';
import { recordStatus } from './record-status';

export type { LedgerDeps } from './deps';
export type LedgerActivities = TaskActivities<
  typeof recordStatus | typeof recordEvents | typeof recordOutcomes | typeof admitRequest
>;

/** Asks Temporal, through the running activity's client; an answer it cannot give counts as running. */
async function workflowRunning(workflowId: string): Promise<boolean> {
  try {
    const { status } = await Context.current().client.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING';
  } catch (err) {
    return !(err instanceof WorkflowNotFoundError);
  }
}

export const ledgerSystem = defineSystem({
  name: 'ledger',
  taskQueue: 'orchestrator',
  tasks: [recordStatus, recordEvents, recordOutcomes, admitRequest],
  createDeps: ({ pool }): LedgerDeps => ({ pool, workflowRunning }),
});
