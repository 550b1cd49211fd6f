/**
 * `/v1/admin/settings`: what a request gets when it does not say (admins only): whether a failed
 * step undoes at once or pauses (`onFailure`), and how long a pause waits (`pauseTimeout`).
 * Stored in PostgreSQL, so every API process reads the same.
 */
import { Router } from 'express';
import type { Pool } from 'pg';
import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_PAUSE_TIMEOUT, onFailureModes, type OnFailure } from '../../../common/request';
import { principalOf, requireRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { invalidRequest } from '../../errors';

const DAY_MS = 24 * 3600 * 1000;

/** A pause's length as Temporal reads durations (`24 hours`, `90 minutes`, `30s`), from 1 second to 30 days. */
export const pauseTimeoutSchema = z
  .string()
  .max(40)
  .refine((value) => {
    try {
      const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
      return Number.isFinite(ms) && ms >= 1000 && ms <= 30 * DAY_MS;
    } catch {
      return false;
    }
  }, 'a duration from 1 second to 30 days, such as "24 hours"');

export const onFailureSchema = z.enum(onFailureModes);

export const settingsSchema = z.strictObject({
  onFailure: onFailureSchema,
  pauseTimeout: pauseTimeoutSchema,
});
export type Settings = z.infer<typeof settingsSchema>;

const defaults: Settings = {
  onFailure: 'compensate' satisfies OnFailure,
  pauseTimeout: DEFAULT_PAUSE_TIMEOUT,
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
