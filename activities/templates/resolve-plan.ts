/**
 * `templates:resolve-plan`: the plan of the newest version of a template (or the version asked
 * for), compiled from the worker's checked template library. The plan travels in the workflow's
 * history, so a run in flight never sees a later edit of the file.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { hashOf } from '../../platform/canonical-json';
import { defineTask, type TaskContext } from '../task';
import type { TemplateDeps } from './deps';

export const resolvePlan = defineTask({
  id: 'templates:resolve-plan',
  description: 'Compiles the plan of a template by name (newest version unless one is given).',
  timeouts: 'short',
  local: true,
  input: z.object({
    name: z.string().min(1),
    version: z.string().optional(),
    /**
     * The digest of the plan the request was planned (and approved) with: a template edited since
     * is refused, so the request does not run what nobody saw (docs/plan-preview.md).
     */
    digest: z.string().optional(),
  }),
  // The plan's shape is checked by the loader that built it; here it passes through.
  output: z.custom<import('../../common/template').TemplatePlan>((v) => typeof v === 'object' && v !== null),
  async handler({ name, version, digest }, { deps }: TaskContext<TemplateDeps>) {
    const chosen = deps.library.resolve(name, version);
    if (!chosen) {
      throw failure('NotFound', `no template ${name}${version ? `@${version}` : ''}`, {
        system: 'template',
        call: 'templates:resolve-plan',
      });
    }
    const plan = deps.library.plan(chosen);
    if (digest !== undefined && hashOf(plan) !== digest)
      throw failure(
        'PlanChanged',
        `template ${name} changed since the request was planned (${digest}, now ${hashOf(plan)}): preview it again and submit anew`,
        { system: 'template', call: 'templates:resolve-plan' },
      );
    return plan;
  },
});
