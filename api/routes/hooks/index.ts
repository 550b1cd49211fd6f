/**
 * `POST /v1/hooks/alertmanager`: a monitoring system as a user. Prometheus Alertmanager posts its
 * webhook notification (version 4) with a `machine` token; each firing alert whose labels name a
 * scaling group becomes one request for the group's step of VMs (scale-out.ts), each resolved
 * alert is ignored, and the answer lists what became of every alert.
 *
 * Status codes are chosen for Alertmanager, which retries a notification on a 5xx only: what a
 * retry cannot mend (a malformed payload, another version, an unknown group, a group at its
 * maximum) is a 4xx with nothing built; a 5xx means try again, and the firing's record makes the
 * retry safe. Every alert is checked before any is acted on, so a refused notification builds
 * nothing.
 */
import { Router } from 'express';
import { principalOf, requireOnlyRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest, type FieldProblem } from '../../errors';
import { scalingGroupName } from '../scaling-groups/schema';
import { getScalingGroup } from '../scaling-groups/store';
import { findFiring, firingOf, groupState, holdOf, scaleOut } from './scale-out';
import { alertmanagerPayloadSchema, hookQuerySchema, type AlertResult } from './schema';

export function hookRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post('/alertmanager', requireOnlyRole('machine'), async (req, res) => {
    const query = hookQuerySchema.safeParse(req.query);
    if (!query.success) throw invalidRequest('query', query.error);
    const parsed = alertmanagerPayloadSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const payload = parsed.data;
    const label = query.data.groupLabel;
    const machine = principalOf(req);

    // First every alert is read and checked; nothing is built while any is refused.
    const problems: FieldProblem[] = [];
    const results: AlertResult[] = [];
    for (const [index, alert] of payload.alerts.entries()) {
      const base = {
        index,
        fingerprint: alert.fingerprint,
        status: alert.status,
        ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
      };
      const named = alert.labels[label];
      if (alert.status === 'resolved') {
        results.push({ ...base, outcome: 'ignored', reason: 'a resolved alert asks for nothing' });
        continue;
      }
      if (named === undefined) {
        results.push({ ...base, outcome: 'ignored', reason: `no label ${label} names a scaling group` });
        continue;
      }
      const path = `body.alerts.${index}.labels.${label}`;
      const group = scalingGroupName.safeParse(named).success
        ? await getScalingGroup(deps.pool, named)
        : undefined;
      if (!group) {
        problems.push({ path, message: `no scaling group ${named}` });
        continue;
      }
      const result: AlertResult = { ...base, scalingGroup: group.name, outcome: 'requested', reason: '' };
      const earlier = await findFiring(deps.pool, firingOf(payload, alert));
      if (!earlier) {
        const hold = holdOf(group, (await groupState(deps.pool, group)).size, new Date());
        if (hold?.outcome === 'maximum') problems.push({ path, message: hold.reason });
      }
      results.push(result);
    }
    if (problems.length)
      throw new HttpError(
        422,
        'Unprocessable',
        `nothing was requested: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems,
      );

    // Then each firing of a group, in order: one request each, or why none.
    for (const [i, result] of results.entries()) {
      if (result.scalingGroup === undefined) continue;
      try {
        results[i] = await scaleOut(deps, machine, payload, payload.alerts[result.index]!, result);
      } catch (err) {
        // The group's own request refused (its offering, names, placement): the admin's to mend.
        if (err instanceof HttpError && err.status < 500)
          throw new HttpError(
            err.status,
            err.type,
            `alert ${result.index} (scaling group ${result.scalingGroup}): ${err.message}`,
            err.fields,
          );
        throw err;
      }
    }
    deps.log.info(
      {
        receiver: payload.receiver,
        by: machine.subject,
        alerts: payload.alerts.length,
        requested: results.filter((r) => r.outcome === 'requested').length,
      },
      'alertmanager notification taken',
    );
    res.json({
      receiver: payload.receiver,
      groupKey: payload.groupKey,
      status: payload.status,
      ...(payload.truncatedAlerts ? { truncatedAlerts: payload.truncatedAlerts } : {}),
      alerts: results,
    });
  });
  return router;
}
