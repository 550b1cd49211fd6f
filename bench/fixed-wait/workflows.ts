/** The fixed-wait experiment's one workflow: `n` sequential do-nothing steps of one kind. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

type Noop = { noop(): Promise<void> };
const own = proxyActivities<Noop>({ startToCloseTimeout: '10s' });
const other = proxyActivities<Noop>({ startToCloseTimeout: '10s', taskQueue: 'fixed-wait-other' });
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '10s' });

export async function sequential(kind: 'own' | 'other' | 'local', n: number): Promise<void> {
  const step = kind === 'own' ? own : kind === 'other' ? other : local;
  for (let i = 0; i < n; i++) await step.noop();
}
