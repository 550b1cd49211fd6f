/** The ledger: requests' statuses and stories in Postgres, written from the `orchestrator` task queue. */
import { defineSystem, type TaskActivities } from '../task';
import type { LedgerDeps } from './deps';
import { recordEvents } from './record-events';
import { recordOutcomes } from './record-outcomes';
import { recordStatus } from './record-status';

export type { LedgerDeps } from './deps';
export type LedgerActivities = TaskActivities<
  typeof recordStatus | typeof recordEvents | typeof recordOutcomes
>;

export const ledgerSystem = defineSystem({
  name: 'ledger',
  taskQueue: 'orchestrator',
  tasks: [recordStatus, recordEvents, recordOutcomes],
  createDeps: ({ pool }): LedgerDeps => ({ pool }),
});
