/**
 * Checks each resource of a submission before anything is written or started, so a bad request
 * leaves nothing behind: a create against its resource handler and the permitted values of the
 * moment (catalog, limits, placement) and against names already in use; a delete against what
 * exists and how it was built.
 */
import type { Pool } from 'pg';
import type { RequestedResource } from '../../../common/request';
import {
  resourceHandlers,
  validateResources as validateWithHandlers,
  type ResourceHandlerRegistry,
} from '../../../resource-handlers';
import { findLiveAddresses, loadCatalogSnapshot } from '../../../resource-handlers/store';
import type { FieldProblem } from '../../errors';
import type { ResourceEnvelope } from './schema';

/** A problem of a resource; `conflict` when it is the state of things (a name taken), not the request. */
export interface ResourceProblem extends FieldProblem {
  conflict?: true;
}

/** What the API needs of the resource handlers. */
export interface ResourceValidator {
  /**
   * The problems of the resources (paths like `body.resources.2.cpu`), or the resources as the
   * request workflow takes them. `traceId` is set for a re-run, whose own earlier attempt may
   * still hold a name.
   */
  validate(
    resources: ResourceEnvelope[],
    traceId?: string,
  ): Promise<{ problems: ResourceProblem[]; resources: RequestedResource[] }>;
}

/**
 * The template a resource was last built with, from the ledger's outcomes; undefined when it was
 * never built, or when the last thing that happened to it was its removal.
 */
async function buildTemplateOf(pool: Pool, type: string, name: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ action: string; template: string }>(
    `SELECT r->>'action' AS action, r->>'template' AS template
       FROM requests, jsonb_array_elements(outcome->'resources') AS r
      WHERE r->>'type' = $1 AND r->>'name' = $2 AND r->>'state' = 'succeeded'
      ORDER BY requests.updated_at DESC LIMIT 1`,
    [type, name],
  );
  return rows[0]?.action === 'create' ? rows[0].template : undefined;
}

export function createResourceValidator(
  pool: Pool,
  registry: ResourceHandlerRegistry = resourceHandlers,
): ResourceValidator {
  return {
    async validate(envelopes, traceId) {
      const problems: ResourceProblem[] = [];
      const resources: RequestedResource[] = [];

      const creates = envelopes.map((e, index) => ({ e, index })).filter(({ e }) => e.action === 'create');
      if (creates.length) {
        const catalog = await loadCatalogSnapshot(pool);
        const withoutAction = creates.map(({ e }) => {
          const { action: _action, ...rest } = e;
          return rest;
        });
        const result = validateWithHandlers(withoutAction, catalog, { now: new Date() }, registry);
        // The handlers number the creates alone; put each problem back at its place in the request.
        const at = (path: string) =>
          path.replace(/^resources\.(\d+)/, (_m, k: string) => `body.resources.${creates[Number(k)]!.index}`);
        if (!result.ok)
          problems.push(...result.problems.map((p) => ({ path: at(p.path), message: p.message })));
        else {
          for (const valid of result.resources) {
            const index = creates[valid.index]!.index;
            const live = await findLiveAddresses(pool, valid.type, [valid.name]);
            if (live.some((lease) => lease.traceId !== traceId)) {
              problems.push({
                path: `body.resources.${index}.name`,
                message: `a ${valid.type} named ${valid.name} already exists`,
                conflict: true,
              });
            }
            resources[index] = {
              type: valid.type,
              action: 'create',
              name: valid.name,
              spec: valid.input,
              managed: valid.input.managed === true,
            };
          }
        }
      }

      for (const [index, e] of envelopes.entries()) {
        if (e.action !== 'delete') continue;
        if (!registry.has(e.type)) {
          problems.push({
            path: `body.resources.${index}.type`,
            message: `unknown resource type '${e.type}'; known: ${registry.types().join(', ')}`,
          });
          continue;
        }
        const extra = Object.keys(e).filter((k) => !['type', 'action', 'name'].includes(k));
        for (const k of extra)
          problems.push({
            path: `body.resources.${index}.${k}`,
            message: 'unknown field (a delete names only type and name)',
          });
        const template = await buildTemplateOf(pool, e.type, e.name);
        if (!template) {
          problems.push({
            path: `body.resources.${index}.name`,
            message: `no ${e.type} named ${e.name} was built by this system`,
            conflict: true,
          });
          continue;
        }
        resources[index] = {
          type: e.type,
          action: 'delete',
          name: e.name,
          spec: { name: e.name },
          managed: template.endsWith('-managed'),
        };
      }
      return { problems, resources: problems.length ? [] : resources };
    },
  };
}
