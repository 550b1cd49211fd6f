/**
 * `/v1/admin/settings`: what a request gets when it does not say (admins only): whether a failed
 * step undoes at once or pauses (`onFailure`), and how long a pause waits (`pauseTimeout`); and
 * the leases' reminder offsets and grace period, and the group that approves a lease beyond the
 * maximum (docs/lifecycle.md); and how many of one requester's requests work at once (docs/waits.md).
 * Stored in PostgreSQL, so every API process reads the same.
 */
import { Router } from 'express';
import type { Pool } from 'pg';
import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import {
  DEFAULT_LEASE_APPROVAL_TIMEOUT,
  DEFAULT_LEASE_GRACE,
  DEFAULT_LEASE_REMINDERS,
} from '../../../common/lifecycle';
import {
  DEFAULT_PAUSE_TIMEOUT,
  DEFAULT_RUNNING_PER_REQUESTER,
  onFailureModes,
  type OnFailure,
} from '../../../common/request';
import { principalOf, requireRole } from '../../auth/middleware';
import { groupName } from '../../auth/tokens';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest, type FieldProblem } from '../../errors';

const DAY_MS = 24 * 3600 * 1000;

/**
 * A pause's length as Temporal reads durations: a whole number of seconds, minutes, hours or days
 * (`24 hours`, `90 minutes`, `30s`). The pattern is what the OpenAPI document shows; the range
 * (see pauseTimeoutProblem) is a rule it cannot state, so it answers 422, not 400.
 */
export const pauseTimeoutSchema = z
  .string()
  .max(40)
  .regex(
    /^[1-9][0-9]{0,8} ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$/,
    'a whole number of seconds, minutes, hours or days, such as "24 hours"',
  );

/** Why `value` at `path` is no pause length (under 1 second or over 30 days); undefined when it is. */
export function pauseTimeoutProblem(value: string | undefined, path: string): FieldProblem | undefined {
  if (value === undefined) return undefined;
  const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  if (Number.isFinite(ms) && ms >= 1000 && ms <= 30 * DAY_MS) return undefined;
  return { path, message: 'a pause lasts from 1 second to 30 days' };
}

/** The 422 for a pause length out of range, or nothing. */
export function checkPauseTimeout(value: string | undefined, path: string): void {
  const problem = pauseTimeoutProblem(value, path);
  if (problem) {
    throw new HttpError(422, 'Unprocessable', `invalid body: ${problem.path}: ${problem.message}`, [problem]);
  }
}

export const onFailureSchema = z.enum(onFailureModes);

export const settingsSchema = z.strictObject({
  onFailure: onFailureSchema,
  pauseTimeout: pauseTimeoutSchema,
  leaseReminders: z.array(pauseTimeoutSchema).max(10).meta({
    description:
      'When before a lease ends its reminders are e-mailed, e.g. ["7 days", "1 day"]; [] for none. Running leases take a change at their next lease change.',
  }),
  leaseGrace: pauseTimeoutSchema.or(z.literal('0s')).meta({
    description: 'How long an ended lease stays `expiring` (still extendable) before its removal starts',
  }),
  leaseApprovalGroup: groupName.nullable().meta({
    description:
      "The group whose approval a lease change beyond the catalog's maximum lease waits for; null: such a change is refused (422)",
  }),
  leaseApprovalTimeout: pauseTimeoutSchema.meta({
    description: 'How long such a change waits for its approval before it is dropped',
  }),
  runningPerRequester: z.number().int().min(1).max(10_000).meta({
    description:
      "How many of one requester's requests work at once; the others wait their turn, in the order they came (docs/waits.md). Requests submitted after a change take it.",
  }),
});
export type Settings = z.infer<typeof settingsSchema>;

const defaults: Settings = {
  onFailure: 'compensate' satisfies OnFailure,
  pauseTimeout: DEFAULT_PAUSE_TIMEOUT,
  leaseReminders: [...DEFAULT_LEASE_REMINDERS],
  leaseGrace: DEFAULT_LEASE_GRACE,
  leaseApprovalGroup: null,
  leaseApprovalTimeout: DEFAULT_LEASE_APPROVAL_TIMEOUT,
  runningPerRequester: DEFAULT_RUNNING_PER_REQUESTER,
};

/** The settings in force: the stored ones over the defaults. */
export async function readSettings(pool: Pool): Promise<Settings> {
  const { rows } = await pool.query('SELECT key, value FROM settings');
  const stored = Object.fromEntries(rows.map((r) => [r.key as string, r.value as unknown]));
  const parsed = settingsSchema.partial().safeParse(stored);
  return { ...defaults, ...(parsed.success ? parsed.data : {}) };
}

export function settingsRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json(await readSettings(deps.pool));
  });

  /** Changes the given settings only; the others stay as they are. */
  router.put('/', async (req, res) => {
    const parsed = settingsSchema.partial().safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    checkPauseTimeout(parsed.data.pauseTimeout, 'body.pauseTimeout');
    checkPauseTimeout(parsed.data.leaseApprovalTimeout, 'body.leaseApprovalTimeout');
    const by = principalOf(req).subject;
    const entries = Object.entries(parsed.data);
    if (entries.length) {
      await deps.pool.query(
        `INSERT INTO settings (key, value, updated_by)
         SELECT key, value, $3 FROM unnest($1::text[], $2::jsonb[]) AS s(key, value)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [entries.map(([k]) => k), entries.map(([, v]) => JSON.stringify(v)), by],
      );
    }
    deps.log.info({ ...parsed.data, by }, 'settings changed');
    res.json(await readSettings(deps.pool));
  });
  return router;
}
