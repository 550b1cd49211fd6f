/**
 * `resources:read-lease-settings`: the reminder offsets and the grace period an admin set
 * (`PUT /v1/admin/settings`), or the defaults. Read by each resource workflow run, so a change
 * reaches running leases at their next run (a continue-as-new) or lease change.
 */
import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_LEASE_GRACE, DEFAULT_LEASE_REMINDERS } from '../../common/lifecycle';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';

/** A duration as Temporal reads it, in milliseconds; NaN when it is none. */
function millis(text: string): number {
  try {
    return msToNumber(text as Parameters<typeof msToNumber>[0]);
  } catch {
    return Number.NaN;
  }
}

export const readLeaseSettings = defineTask({
  id: 'resources:read-lease-settings',
  description: 'Reads the lease reminder offsets and grace period in force.',
  timeouts: 'short',
  input: z.object({}),
  output: z.object({
    reminders: z.array(z.object({ label: z.string(), ms: z.number().positive() })),
    graceMs: z.number().min(0),
  }),
  examples: [{}],
  async handler(_input, ctx: TaskContext<ResourceDeps>) {
    const { rows } = await ctx.deps.pool.query(
      `SELECT key, value FROM settings WHERE key IN ('leaseReminders', 'leaseGrace')`,
    );
    const stored = Object.fromEntries(rows.map((r) => [r.key as string, r.value as unknown]));
    const labels = z.array(z.string()).safeParse(stored.leaseReminders);
    const reminders = (labels.success ? labels.data : DEFAULT_LEASE_REMINDERS)
      .map((label) => ({ label, ms: millis(label) }))
      .filter((r) => Number.isFinite(r.ms) && r.ms > 0)
      .sort((a, b) => b.ms - a.ms);
    const grace = millis(typeof stored.leaseGrace === 'string' ? stored.leaseGrace : DEFAULT_LEASE_GRACE);
    return { reminders, graceMs: Number.isFinite(grace) && grace >= 0 ? grace : millis(DEFAULT_LEASE_GRACE) };
  },
});
