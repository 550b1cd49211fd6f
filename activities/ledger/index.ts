/** The ledger: requests' statuses in Postgres, written from the `orchestrator` task queue. */
import { defineSystem, type TaskActivities } from '../task';
import type { LedgerDeps } from './deps';
import { recordStatus } from './record-status';

export type { LedgerDeps } from './deps';
export type LedgerActivities = TaskActivities<typeof recordStatus>;

export const ledgerSystem = defineSystem({
  name: 'ledger',
  taskQueue: 'orchestrator',
  tasks: [recordStatus],
  createDeps: ({ pool }): LedgerDeps => ({ pool }),
});
