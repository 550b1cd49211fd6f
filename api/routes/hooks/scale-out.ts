/**
 * One firing alert of a scaling group made into one request for `step` more VMs of the group's
 * offering, at most once per firing (its alert group, fingerprint and start), never beyond the
 * group's maximum, never within its cooldown. PostgreSQL decides: a scale-out of a group takes
 * the group's row lock, and the firing's primary key holds across every API process.
 *
 * The request is checked (prepareRequest) before the lock is taken, because the checks read
 * through other pooled connections: a lock holder that needed another connection could wait on
 * the very connections its waiters hold. Under the lock only the locking connection is used; the
 * group's number (`next_index`) read before is the version checked there, and a group that
 * changed meanwhile is read and checked again.
 */
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../../../common/authority';
import type { Principal } from '../../auth/tokens';
import type { ApiDeps } from '../../deps';
import { HttpError } from '../../errors';
import { getOffering, type Offering } from '../offerings/store';
import { prepareRequest, recordRequest } from '../requests/submit';
import { memberName } from '../scaling-groups/schema';
import { getScalingGroup, groupMembers, type ScalingGroup } from '../scaling-groups/store';
import type { Alert, AlertmanagerPayload, AlertResult } from './schema';

/** How often a scale-out reads its group again when another changed it meanwhile. */
const ATTEMPTS = 5;

/** A firing's identity: the same alert group, alert and start is the same firing. */
export interface Firing {
  groupKey: string;
  fingerprint: string;
  startsAt: string;
}

export const firingOf = (payload: AlertmanagerPayload, alert: Alert): Firing => ({
  groupKey: payload.groupKey,
  fingerprint: alert.fingerprint,
  startsAt: alert.startsAt,
});

/** The request a firing already made, if it made one. */
export async function findFiring(
  db: Pool | PoolClient,
  f: Firing,
): Promise<{ requestId: string; vms: number } | undefined> {
  const { rows } = await db.query(
    'SELECT request_id, vms FROM scaling_firings WHERE group_key = $1 AND fingerprint = $2 AND starts_at = $3',
    [f.groupKey, f.fingerprint, f.startsAt],
  );
  return rows[0] ? { requestId: rows[0].request_id, vms: rows[0].vms } : undefined;
}

/** Which alert made a request, when a hook made it: shown by `GET /v1/requests/{id}` as `origin`. */
export async function originOf(pool: Pool, requestId: string) {
  const { rows } = await pool.query(
    `SELECT group_key, fingerprint, starts_at, scaling_group, alert, vms, made_by, made_at
       FROM scaling_firings WHERE request_id = $1`,
    [requestId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    hook: 'alertmanager',
    scalingGroup: r.scaling_group as string,
    vms: r.vms as number,
    by: r.made_by as string,
    at: (r.made_at as Date).toISOString(),
    groupKey: r.group_key as string,
    fingerprint: r.fingerprint as string,
    startsAt: r.starts_at as string,
    alert: r.alert as Record<string, unknown>,
  };
}

/** Why a group takes no scale-out now (cooldown, maximum), or nothing when it takes one. */
export function holdOf(
  group: ScalingGroup,
  size: number,
  now: Date,
): { outcome: 'cooldown' | 'maximum'; reason: string } | undefined {
  if (group.lastScaledAt && group.cooldownSeconds > 0) {
    const until = new Date(new Date(group.lastScaledAt).getTime() + group.cooldownSeconds * 1000);
    if (until > now)
      return {
        outcome: 'cooldown',
        reason: `scaling group ${group.name} scaled out at ${group.lastScaledAt}; its cooldown of ${group.cooldownSeconds} s lasts until ${until.toISOString()}`,
      };
  }
  if (size + group.step > group.maxSize)
    return {
      outcome: 'maximum',
      reason: `scaling group ${group.name} has ${size} of at most ${group.maxSize} VMs; ${group.step} more would exceed its maximum`,
    };
  return undefined;
}

/** The group's offering and live size, as a scale-out sees them. */
export async function groupState(
  pool: Pool,
  group: ScalingGroup,
): Promise<{ offering: Offering | undefined; size: number; highest: number }> {
  const offering = await getOffering(pool, group.offering);
  const members = await groupMembers(pool, offering?.resourceType ?? 'virtual_machine', group.naming);
  return { offering, ...members };
}

/** Who the request is made for: the group's owner, as a requester in the group's group. */
const ownerOf = (group: ScalingGroup): Actor => ({
  subject: group.owner,
  role: 'requester',
  groups: group.group ? [group.group] : [],
});

/** What a request says of the alert that made it: its description, and tags on each VM. */
function provenance(payload: AlertmanagerPayload, alert: Alert, group: ScalingGroup, machine: Principal) {
  const alertname = alert.labels.alertname ?? '(no alertname)';
  const description =
    `Scale-out of scaling group ${group.name} by ${group.step} VM(s), asked by ${machine.subject} (Alertmanager receiver ${payload.receiver}): ` +
    `alert ${alertname} firing since ${alert.startsAt}, fingerprint ${alert.fingerprint}, alert group ${payload.groupKey}` +
    (alert.generatorURL ? `, ${alert.generatorURL}` : '');
  return {
    description: description.slice(0, 2000),
    tags: {
      'scaling-group': group.name,
      alertname: alertname.slice(0, 256),
      'alert-fingerprint': alert.fingerprint.slice(0, 256),
      'alert-starts-at': alert.startsAt.slice(0, 256),
    },
  };
}

/** Makes the firing's request, or says why not; throws only what Alertmanager should retry (5xx). */
export async function scaleOut(
  deps: ApiDeps,
  machine: Principal,
  payload: AlertmanagerPayload,
  alert: Alert,
  result: AlertResult,
): Promise<AlertResult> {
  const firing = firingOf(payload, alert);
  const groupName = result.scalingGroup!;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const earlier = await findFiring(deps.pool, firing);
    if (earlier) return duplicate(result, earlier);
    const seen = await getScalingGroup(deps.pool, groupName);
    if (!seen) return { ...result, outcome: 'ignored', reason: `scaling group ${groupName} was deleted` };
    const { offering, size, highest } = await groupState(deps.pool, seen);
    const hold = holdOf(seen, size, new Date());
    if (hold) return { ...result, ...hold };
    const first = Math.max(seen.nextIndex, highest + 1);
    const names = Array.from({ length: seen.step }, (_, i) => memberName(seen.naming, first + i));
    const { description, tags } = provenance(payload, alert, seen, machine);
    const body = {
      description,
      resources: names.map((name) => ({
        offering: seen.offering,
        name,
        ...(seen.group ? { group: seen.group } : {}),
        tags,
      })),
    };
    // The checks of POST /v1/requests; a refusal here is the group's definition at fault (a 4xx).
    const prepared = await prepareRequest(deps, ownerOf(seen), body);
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await getScalingGroup(client, groupName, { lock: true });
      const again = await findFiring(client, firing);
      if (again) {
        await client.query('ROLLBACK');
        return duplicate(result, again);
      }
      if (!locked || locked.nextIndex !== seen.nextIndex || locked.updatedAt !== seen.updatedAt) {
        await client.query('ROLLBACK');
        continue;
      }
      // Members may have come since (a request of someone else's named like the group's VMs).
      const now = await groupMembers(client, offering?.resourceType ?? 'virtual_machine', locked.naming);
      const late = holdOf(locked, now.size, new Date());
      if (late) {
        await client.query('ROLLBACK');
        return { ...result, ...late };
      }
      const recorded = await recordRequest(client, prepared);
      if (!recorded.created) throw new Error('a scale-out request found an earlier one of its own ID');
      await client.query(
        `INSERT INTO scaling_firings (group_key, fingerprint, starts_at, scaling_group, request_id, alert, vms, made_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          firing.groupKey,
          firing.fingerprint,
          firing.startsAt,
          groupName,
          prepared.requestId,
          JSON.stringify({
            receiver: payload.receiver,
            externalURL: payload.externalURL,
            status: alert.status,
            labels: alert.labels,
            annotations: alert.annotations,
            startsAt: alert.startsAt,
            generatorURL: alert.generatorURL,
          }),
          names.length,
          machine.subject,
        ],
      );
      await client.query(
        'UPDATE scaling_groups SET next_index = $2, last_scaled_at = now() WHERE name = $1',
        [groupName, first + names.length],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The same firing recorded by another process between our check and our insert.
      if ((err as { code?: string }).code === '23505') {
        const made = await findFiring(deps.pool, firing);
        if (made) return duplicate(result, made);
      }
      throw err;
    } finally {
      client.release();
    }
    deps.log.info(
      {
        requestId: prepared.requestId,
        traceId: prepared.traceId,
        scalingGroup: groupName,
        fingerprint: alert.fingerprint,
        by: machine.subject,
      },
      'scale-out requested by an alert',
    );
    deps.starter.kick(prepared.requestId, prepared.input);
    return {
      ...result,
      outcome: 'requested',
      reason: `a request for ${names.length} VM(s) of ${seen.offering}`,
      requestId: prepared.requestId,
      vms: names.length,
      names,
    };
  }
  // Other scale-outs of the group kept changing it: Alertmanager retries a 5xx.
  throw new HttpError(503, 'Unavailable', `scaling group ${groupName} is busy; send the notification again`);
}

function duplicate(result: AlertResult, earlier: { requestId: string; vms: number }): AlertResult {
  return {
    ...result,
    outcome: 'duplicate',
    reason: `this firing already made request ${earlier.requestId}`,
    requestId: earlier.requestId,
    vms: earlier.vms,
  };
}
