/**
 * `templates:pin-plan` and `templates:read-plan`: a template's plan resolved once for a request
 * and kept by its digest in `template_plans` (content-addressed, never changed), then read back by
 * the workflows that run it. The request's history holds one copy per template and its resources'
 * workflows a reference, however many resources the request builds.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import type { TemplatePlan } from '../../common/template';
import { hashOf } from '../../platform/canonical-json';
import { defineTask, type TaskContext } from '../task';
import type { TemplateDeps } from './deps';
import { resolvePlan } from './resolve-plan';

const planOutput = z.custom<TemplatePlan>((v) => typeof v === 'object' && v !== null);

export const pinPlan = defineTask({
  id: 'templates:pin-plan',
  description: 'Resolves the plan of a template as templates:resolve-plan does and keeps it by its digest.',
  timeouts: 'short',
  local: true,
  input: resolvePlan.input,
  output: z.object({ digest: z.string(), plan: planOutput }),
  async handler(input, ctx: TaskContext<TemplateDeps>) {
    const plan = await resolvePlan.handler(input, ctx);
    const digest = hashOf(plan);
    await ctx.deps.pool.query(
      'INSERT INTO template_plans (digest, plan) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING',
      [digest, JSON.stringify(plan)],
    );
    return { digest, plan };
  },
});

export const readPlan = defineTask({
  id: 'templates:read-plan',
  description: 'Reads a plan kept by templates:pin-plan, by its digest.',
  timeouts: 'short',
  local: true,
  input: z.object({ digest: z.string().min(1) }),
  output: planOutput,
  async handler({ digest }, { deps }: TaskContext<TemplateDeps>) {
    const { rows } = await deps.pool.query<{ plan: TemplatePlan }>(
      'SELECT plan FROM template_plans WHERE digest = $1',
      [digest],
    );
    if (!rows[0])
      throw failure('NotFound', `no pinned plan ${digest}`, {
        system: 'template',
        call: 'templates:read-plan',
      });
    return rows[0].plan;
  },
});
