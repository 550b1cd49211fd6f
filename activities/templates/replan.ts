/**
 * `templates:replan`: the plan of a request again, at its run, by the planner the preview uses
 * (docs/plan-preview.md). Called when the plan the request was submitted with no longer holds (a
 * template edited since): the ledger's row then holds the new plan, the one a decision must be on,
 * and the answer names what changed as a 409 PlanChanged does, and who decides.
 */
import { z } from 'zod';
import type { RequestedResource } from '../../common/request';
import { failure } from '../../common/errors';
import { planDifferences } from '../../api/plan/plan-hash';
import type { ResourcePlan } from '../../api/plan/planner';
import { previewedPlan, rememberPreview } from '../../api/plan/store';
import { defineTask, type TaskContext } from '../task';
import type { TemplateDeps } from './deps';

/** What a change is shown as: the path in the plan, and `was …, now …`. */
const change = z.object({ path: z.string(), message: z.string() });

export const replan = defineTask({
  id: 'templates:replan',
  description: "Plans a request again at its run; records the new plan as the request's, names what changed.",
  timeouts: 'short',
  input: z.object({
    requestId: z.string().min(1),
    resources: z.array(z.custom<RequestedResource>((v) => typeof v === 'object' && v !== null)),
    /** The plan the request was submitted (or last approved) with. */
    previousPlanHash: z.string().min(1),
  }),
  output: z.object({
    planHash: z.string(),
    templateDigests: z.record(z.string(), z.string()),
    changes: z.array(change),
    /** The groups of the new plan's approval steps that are or may be needed. */
    approvalGroups: z.array(z.string()),
  }),
  async handler({ requestId, resources, previousPlanHash }, { deps }: TaskContext<TemplateDeps>) {
    const { rows } = await deps.pool.query<{ plan: { resources?: unknown[] } | null }>(
      'SELECT plan FROM requests WHERE request_id = $1',
      [requestId],
    );
    const before = rows[0]?.plan as { resources: ResourcePlan[] } | null | undefined;
    // A lease of N days from the submission stays what it was relative to (it is not a change).
    const known = new Map(
      (before?.resources ?? []).map((r) => [r.index, r.provisional.filter((p) => p.what === 'leaseEnd')]),
    );
    let answer;
    try {
      answer = await (await deps.planner()).plan(resources, known);
    } catch (err) {
      const { status, message } = err as { status?: number; message: string };
      // The plan cannot be made now: a refusal (no placement, no address) is the request's failure.
      if (status !== undefined && status < 500)
        throw failure('InvalidInput', `the request cannot be planned again: ${message}`, {
          system: 'template',
          call: 'templates:replan',
        });
      throw err;
    }
    const { plan, hashed } = answer;
    const previous =
      (await previewedPlan(deps.pool, previousPlanHash)) ??
      (before?.resources ? deps.hashedForm(before.resources) : undefined);
    const changes = (previous === undefined ? [] : planDifferences(previous, hashed)).map((d) => ({
      path: `plan.${d.path}`,
      message: `was ${JSON.stringify(d.before ?? null)}, now ${JSON.stringify(d.after ?? null)}`,
    }));
    await rememberPreview(deps.pool, plan.planHash, hashed);
    await deps.pool.query('UPDATE requests SET plan_hash = $2, plan = $3::jsonb WHERE request_id = $1', [
      requestId,
      plan.planHash,
      JSON.stringify(plan),
    ]);
    type Walked = { approval?: { groups: string[]; needed: boolean | null }; steps?: Walked[] };
    const groupsOf = (steps: Walked[]): string[] =>
      steps.flatMap((s) => [
        ...(s.approval && s.approval.needed !== false ? s.approval.groups : []),
        ...groupsOf(s.steps ?? []),
      ]);
    const approvalGroups = [...new Set(plan.resources.flatMap((r) => groupsOf(r.steps)))].sort();
    return {
      planHash: plan.planHash,
      templateDigests: Object.fromEntries(plan.resources.map((r) => [r.template.name, r.template.digest])),
      changes,
      approvalGroups,
    };
  },
});
