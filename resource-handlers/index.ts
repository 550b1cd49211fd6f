/**
 * The resource handlers, by type. A new resource type is a new folder with a handler declared by
 * `defineResourceHandler` and one line in `handlers` below. The API validates a request with
 * `validateResources` (schema, then catalog, every problem named by its field path) before it
 * records anything; the tasks look handlers up by type here.
 */
import { z } from 'zod';
import type { AnyResourceHandler, CatalogSnapshot, FieldProblem, ValidationContext } from './types';
import { network, networksCreatedBy } from './network';
import { virtualMachine } from './virtual_machine';

/** Thrown when two handlers declare the same type. */
export class DuplicateResourceTypeError extends Error {}
/** Thrown when a type has no handler. */
export class UnknownResourceTypeError extends Error {}

/** A map of handlers by type that refuses duplicates and names unknown types. */
export class ResourceHandlerRegistry {
  private readonly byType = new Map<string, AnyResourceHandler>();

  constructor(handlers: readonly AnyResourceHandler[]) {
    for (const handler of handlers) {
      if (this.byType.has(handler.type))
        throw new DuplicateResourceTypeError(`resource type ${handler.type} is declared twice`);
      this.byType.set(handler.type, handler);
    }
  }

  /** The handler of `type`; throws UnknownResourceTypeError naming the known types. */
  get(type: string): AnyResourceHandler {
    const handler = this.byType.get(type);
    if (!handler)
      throw new UnknownResourceTypeError(
        `unknown resource type '${type}'; known: ${[...this.byType.keys()].sort().join(', ')}`,
      );
    return handler;
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  all(): AnyResourceHandler[] {
    return [...this.byType.values()];
  }

  /**
   * The zod schema of one resource of any registered type, discriminated by `type`: the API uses
   * it in its request schema and its OpenAPI document.
   */
  inputSchema(): z.ZodType {
    const inputs = this.all().map((h) => h.input) as unknown as [z.ZodObject, ...z.ZodObject[]];
    return inputs.length === 1 ? inputs[0] : z.discriminatedUnion('type', inputs);
  }
}

/** Every resource type of the project. */
export const resourceHandlers = new ResourceHandlerRegistry([virtualMachine, network]);

/** A resource that passed validation: its handler and its parsed input (defaults applied). */
export interface ValidResource {
  index: number;
  type: string;
  name: string;
  handler: AnyResourceHandler;
  input: { type: string; name: string } & Record<string, unknown>;
}

export type ResourcesValidation =
  { ok: true; resources: ValidResource[] } | { ok: false; problems: FieldProblem[] };

function issuePath(root: string, path: readonly PropertyKey[]): string {
  return [root, ...path.map(String)].join('.');
}

/**
 * Validates the resources of a request: each against its handler's schema, then against the
 * catalog; names must be unique per type within the request. Problems carry paths like
 * `resources.0.cpu`. Pure: the caller loads the catalog (store/catalog.ts) and gives the clock.
 */
export function validateResources(
  resources: readonly unknown[],
  catalog: CatalogSnapshot,
  ctx: ValidationContext,
  registry: ResourceHandlerRegistry = resourceHandlers,
  root = 'resources',
): ResourcesValidation {
  const problems: FieldProblem[] = [];
  const valid: ValidResource[] = [];
  const seen = new Map<string, number>();
  // A VM may name a network this same request creates (ordering is the request's business).
  const context: ValidationContext = {
    ...ctx,
    requestNetworks: new Set([...(ctx.requestNetworks ?? []), ...networksCreatedBy(resources)]),
  };
  resources.forEach((raw, index) => {
    const at = `${root}.${index}`;
    const type = (raw as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !registry.has(type)) {
      problems.push({
        path: `${at}.type`,
        message:
          typeof type === 'string'
            ? `unknown resource type '${type}'; known: ${registry.types().join(', ')}`
            : `required; one of: ${registry.types().join(', ')}`,
      });
      return;
    }
    const handler = registry.get(type);
    const parsed = handler.input.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
        for (const key of keys)
          problems.push({
            path: issuePath(at, key === undefined ? issue.path : [...issue.path, key]),
            message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
          });
      }
      return;
    }
    const input = parsed.data as ValidResource['input'];
    const key = `${type}\u0000${input.name}`;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      problems.push({
        path: `${at}.name`,
        message: `'${input.name}' is also the name of ${root}.${earlier}`,
      });
    else seen.set(key, index);
    for (const p of handler.validate(input, catalog, context))
      problems.push({ path: `${at}.${p.path}`, message: p.message });
    valid.push({ index, type, name: input.name, handler, input });
  });
  return problems.length ? { ok: false, problems } : { ok: true, resources: valid };
}

export { commonFormatProblems } from './common-format';
export { networksCreatedBy } from './network';
export { choosePlacement, candidatePlacements } from './placement';
export type * from './types';
