/**
 * `resources:prepare-change`: a day-2 change (`update`, `power`) made to a resource's common
 * format. Checks the change against the document as committed now, with the permitted values
 * and placement of the moment (the handler's `check`, the one the API ran against the inventory:
 * the catalog or the VM may have changed since), and returns the document after it, its lease end
 * the one the inventory holds (a lease change moves the timer, not git). Pure but for the reads:
 * the request commits the document, and its template makes the change in the end system.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { changeActions } from '../../common/resource';
import { commonFormatProblems } from '../../resource-handlers';
import { findResource, loadCatalogSnapshot } from '../../resource-handlers/store';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';
import { commonFormatDocumentSchema, resourceMetadataSchema } from './schemas';

const call = 'resources:prepare-change';

export const prepareChange = defineTask({
  id: call,
  description:
    "Checks a day-2 change against a resource's committed common format and the catalog, and returns the document after it.",
  timeouts: 'short',
  // It reads the catalog and the inventory, and changes nothing: the plan preview runs it.
  preview: 'read',
  input: z.object({
    action: z.enum(changeActions),
    /** The change as the user wrote it (`type`, `action`, `name` and its fields). */
    change: z.looseObject({ type: z.string(), name: z.string() }),
    /** The resource's common format as committed now (`rfm:read-resource` at the branch tip). */
    document: commonFormatDocumentSchema,
    /** The resource's position in the request, so field paths read `resources.<index>.…`. */
    index: z.number().int().min(0).default(0),
  }),
  output: z.object({ document: commonFormatDocumentSchema, metadata: resourceMetadataSchema }),
  examples: [
    {
      action: 'power',
      change: { type: 'virtual_machine', action: 'power', name: 'web-01', power: 'off' },
      document: { formatVersion: 1, resourceType: 'virtual_machine', name: 'web-01' },
    },
  ],
  async handler(input, ctx: TaskContext<ResourceDeps>) {
    const at = `resources.${input.index}`;
    const invalid = (fields: { path: string; message: string }[]) =>
      failure('InvalidInput', `${call}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, {
        system: 'resources',
        call,
        fields,
      });
    const handler = ctx.deps.registry.get(input.change.type);
    const change = handler.changes?.[input.action];
    if (!change)
      throw invalid([
        { path: `${at}.action`, message: `a ${handler.type} has no day-2 action ${input.action}` },
      ]);
    const parsed = change.input.safeParse(input.change);
    if (!parsed.success)
      throw invalid(
        parsed.error.issues.map((i) => ({ path: [at, ...i.path.map(String)].join('.'), message: i.message })),
      );
    const spec = parsed.data as Record<string, unknown>;
    const current = input.document as Parameters<typeof handler.summarize>[0];
    const [catalog, found] = await Promise.all([
      loadCatalogSnapshot(ctx.deps.pool),
      findResource(ctx.deps.pool, handler.type, input.change.name),
    ]);
    const problems = change.check(spec, handler.summarize(current), catalog);
    if (problems.length)
      throw invalid(problems.map((p) => ({ path: `${at}.${p.path}`, message: p.message })));
    const document = {
      ...change.apply(current, spec),
      leaseEnd: found?.leaseEnd ?? current.leaseEnd ?? null,
    };
    const wrong = commonFormatProblems(handler, document);
    if (wrong.length)
      throw failure(
        'InvalidOutput',
        `${call}: the change leads outside the common format: ${wrong.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        { system: 'resources', call, fields: wrong },
      );
    return { document, metadata: handler.describe(document) };
  },
});
