/** Previewed plans by hash (plan_previews, 0021): what a submission bound to an older hash is compared with. */
import type { Pool } from 'pg';

/** How long a preview is kept for the comparison. */
const KEPT = '1 day';

/** Keeps a previewed plan's hashed form under its hash (once), and forgets those older than a day. */
export async function rememberPreview(pool: Pool, planHash: string, hashed: unknown): Promise<void> {
  await pool.query(
    `WITH gone AS (DELETE FROM plan_previews WHERE created_at < now() - $3::interval)
     INSERT INTO plan_previews (plan_hash, hashed) VALUES ($1, $2::jsonb)
     ON CONFLICT (plan_hash) DO UPDATE SET created_at = now()`,
    [planHash, JSON.stringify(hashed), KEPT],
  );
}

/** The hashed form of a plan previewed within the day, if any. */
export async function previewedPlan(pool: Pool, planHash: string): Promise<unknown> {
  const { rows } = await pool.query<{ hashed: unknown }>(
    'SELECT hashed FROM plan_previews WHERE plan_hash = $1',
    [planHash],
  );
  return rows[0]?.hashed;
}
