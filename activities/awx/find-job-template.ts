/** `awx:find-job-template`: resolves a job template's name (and organization) to its id and prompts. */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { defineTask, type TaskContext } from '../task';
import type { AwxDeps } from './deps';

export const findJobTemplate = defineTask({
  id: 'awx:find-job-template',
  description: 'Finds an AWX job template by name (names are unique per organization only).',
  timeouts: 'short',
  input: z.object({
    name: z.string().min(1),
    /** Needed when several organizations have a template of that name. */
    organization: z.string().min(1).optional(),
  }),
  output: z.object({
    id: z.number().int().positive(),
    name: z.string(),
    organization: z.string().nullable(),
    askVariablesOnLaunch: z.boolean(),
    askLimitOnLaunch: z.boolean(),
    askInventoryOnLaunch: z.boolean(),
    surveyEnabled: z.boolean(),
  }),
  examples: [{ name: 'vm-create' }, { name: 'vm-create', organization: 'Default' }],
  async handler(input, ctx: TaskContext<AwxDeps>) {
    const page = await ctx.deps.awx.listJobTemplates(
      { name: input.name, ...(input.organization ? { organization__name: input.organization } : {}) },
      ctx.signal,
    );
    const details = { system: 'awx', call: 'awx:find-job-template' };
    const orgOf = (jt: (typeof page.results)[number]) => jt.summary_fields?.organization?.name ?? null;
    if (page.results.length === 0) {
      const where = input.organization ? ` in organization ${input.organization}` : '';
      throw failure('NotFound', `awx: no job template named ${JSON.stringify(input.name)}${where}`, details);
    }
    if (page.results.length > 1) {
      const orgs = page.results.map((jt) => orgOf(jt) ?? `#${jt.organization}`).join(', ');
      throw failure(
        'InvalidInput',
        `awx: ${page.results.length} job templates are named ${JSON.stringify(input.name)} (organizations ${orgs}); give the organization`,
        { ...details, fields: [{ path: 'input.organization', message: 'required: the name is ambiguous' }] },
      );
    }
    const jt = page.results[0]!;
    return {
      id: jt.id,
      name: jt.name,
      organization: orgOf(jt),
      askVariablesOnLaunch: jt.ask_variables_on_launch ?? false,
      askLimitOnLaunch: jt.ask_limit_on_launch ?? false,
      askInventoryOnLaunch: jt.ask_inventory_on_launch ?? false,
      surveyEnabled: jt.survey_enabled ?? false,
    };
  },
});
