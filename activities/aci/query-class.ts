/**
 * `aci:query-class`: every object of a class, with APIC's own filter expressions
 * (`eq(fvAEPg.name,"web")`, `wcard(...)`, `and(...)`) and paging. The answer travels in workflow
 * history, so a page is capped at 500 objects.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AciDeps } from './deps';

export const queryClass = defineTask({
  id: 'aci:query-class',
  description: 'Queries ACI objects of one class, with an optional filter expression and paging.',
  timeouts: 'short',
  input: z.object({
    className: z.string().regex(/^[a-z]+[A-Z][A-Za-z0-9]*$/, 'an APIC class name such as fvAEPg'),
    filter: z.string().min(1).optional(),
    subtree: z.enum(['no', 'children', 'full']).default('no'),
    page: z.number().int().min(0).default(0),
    pageSize: z.number().int().min(1).max(500).default(100),
  }),
  output: z.object({
    totalCount: z.number().int().min(0),
    objects: z.array(
      z.object({
        className: z.string(),
        attributes: z.record(z.string(), z.string()),
        children: z.array(z.unknown()).optional(),
      }),
    ),
  }),
  examples: [{ className: 'fvTenant' }, { className: 'fvAEPg', filter: 'eq(fvAEPg.name,"web")' }],
  async handler(input, ctx: TaskContext<AciDeps>) {
    const res = await ctx.deps.aci.queryClass(
      input.className,
      {
        ...(input.filter ? { 'query-target-filter': input.filter } : {}),
        ...(input.subtree !== 'no' ? { 'rsp-subtree': input.subtree } : {}),
        page: input.page,
        'page-size': input.pageSize,
      },
      ctx.signal,
    );
    return {
      totalCount: Number(res.totalCount),
      objects: res.imdata.flatMap((item) =>
        Object.entries(item).map(([className, body]) => ({
          className,
          attributes: body.attributes,
          ...(body.children ? { children: body.children } : {}),
        })),
      ),
    };
  },
});
