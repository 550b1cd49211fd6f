/**
 * `tfe:set-variables`: each variable exists on the workspace with the value given (create or
 * update by key and category), so a retry changes nothing twice. Values are never echoed back:
 * the output names keys only, because a sensitive value must not reach workflow history again.
 * One call per variable: a passing 5xx, 429 or dropped connection on one of them is waited out
 * within the attempt, because a workspace of many variables would otherwise spend the whole
 * retry budget on such hiccups; a create whose answer was lost is found by key before creating
 * again.
 */
import { z } from 'zod';
import { withPatience } from '../http';
import { defineTask, type TaskContext } from '../task';
import type { TfeDeps } from './deps';
import { workspaceIdSchema } from './schemas';

const variableSchema = z.object({
  key: z.string().min(1),
  value: z.string(),
  category: z.enum(['terraform', 'env']).default('terraform'),
  /** Parse the value as HCL (lists, maps); ignored for env variables. */
  hcl: z.boolean().default(false),
  sensitive: z.boolean().default(false),
  description: z.string().optional(),
});

export const setVariables = defineTask({
  id: 'tfe:set-variables',
  description: 'Creates or updates TFE workspace variables by key and category.',
  timeouts: 'short',
  input: z.object({ workspaceId: workspaceIdSchema, variables: z.array(variableSchema).min(1) }),
  output: z.object({
    variables: z.array(
      z.object({
        key: z.string(),
        category: z.enum(['terraform', 'env']),
        variableId: z.string(),
        action: z.enum(['created', 'updated']),
      }),
    ),
  }),
  examples: [{ workspaceId: 'ws-abc123', variables: [{ key: 'vm_name', value: 'web-01' }] }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { tfe } = ctx.deps;
    const patiently = <T>(call: () => Promise<T>) =>
      withPatience(call, ctx.signal, { beat: () => ctx.heartbeat() });
    const existing = await patiently(() => tfe.listVariables(input.workspaceId, ctx.signal));
    const out = [];
    for (const v of input.variables) {
      const matches = (e: (typeof existing)[number]) =>
        e.attributes.key === v.key && e.attributes.category === v.category;
      const attributes = {
        key: v.key,
        value: v.value,
        category: v.category,
        hcl: v.hcl,
        sensitive: v.sensitive,
        ...(v.description !== undefined ? { description: v.description } : {}),
      };
      const found = existing.find(matches);
      let tries = 0;
      const saved = found
        ? await patiently(() => tfe.updateVariable(input.workspaceId, found.id, attributes, ctx.signal))
        : await patiently(async () => {
            const lost =
              tries++ > 0
                ? (await tfe.listVariables(input.workspaceId, ctx.signal)).find(matches)
                : undefined;
            if (lost) return tfe.updateVariable(input.workspaceId, lost.id, attributes, ctx.signal);
            try {
              return await tfe.createVariable(input.workspaceId, attributes, ctx.signal);
            } catch (err) {
              // A create of an earlier attempt may land between our list and our create (TFE then
              // answers 422 "Key has already been taken"): the variable is there, so set it.
              const landed = (await tfe.listVariables(input.workspaceId, ctx.signal)).find(matches);
              if (!landed) throw err;
              return tfe.updateVariable(input.workspaceId, landed.id, attributes, ctx.signal);
            }
          });
      out.push({
        key: v.key,
        category: v.category,
        variableId: saved.id,
        action: found ? ('updated' as const) : ('created' as const),
      });
    }
    return { variables: out };
  },
});
