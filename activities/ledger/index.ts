/** The ledger's tasks. */
import type { TaskActivities } from '../task';
import { recordStatus } from './record-status';

export const ledgerTasks = [recordStatus] as const;
export type LedgerActivities = TaskActivities<(typeof ledgerTasks)[number]>;
export type { LedgerDeps } from './deps';
