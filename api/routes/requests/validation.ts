/**
 * Checks each resource of a submission before anything is written or started, so a bad request
 * leaves nothing behind: a create against its resource handler and the permitted values of the
 * moment (catalog, limits, placement), against names already in use, and its group against the
 * caller's; a delete against what exists, whose it is and how it was built (and a network's
 * against the VMs still on it). A resource the caller
 * may not act on is refused exactly as one that does not exist.
 */
import type { Pool } from 'pg';
import { absentResource, mayActOn, mayGiveGroup, type Actor } from '../../../common/authority';
import type { RequestedResource } from '../../../common/request';
import {
  resourceHandlers,
  validateResources as validateWithHandlers,
  type ResourceHandlerRegistry,
  type ResourceReference,
} from '../../../resource-handlers';
import { resolveDependencies } from '../../../resource-handlers/dependencies';
import { actionableStates, busyMessage, changeableStates } from '../../../common/lifecycle';
import { isChange } from '../../../common/resource';
import type { CatalogSnapshot } from '../../../resource-handlers/types';
import {
  exists,
  findLiveAddresses,
  findResource,
  loadCatalogSnapshot,
  networkUsers,
} from '../../../resource-handlers/store';
import { fieldProblems, type FieldProblem } from '../../errors';
import type { ResourceEnvelope } from './schema';
import { findClaim } from './store';

/**
 * Why a submission is refused, as the HTTP status says it: 400 when anything in it is wrong in
 * itself; otherwise 404 when it names a resource that does not exist (or that the caller may not
 * act on), 409 when it acts on one still being built, creates a name that is taken, or removes a
 * network VMs are still on.
 */
export type RefusalStatus = 400 | 404 | 409;

/** What the API needs of the resource handlers. */
export interface ResourceValidator {
  /**
   * The problems of the resources (paths like `body.resources.2.cpu`) and the status they are
   * refused with, or the resources as the request workflow takes them. `traceId` is set for a
   * re-run, whose own earlier attempt may still hold a name.
   */
  validate(
    resources: ResourceEnvelope[],
    actor: Actor,
    traceId?: string,
  ): Promise<{ problems: FieldProblem[]; status: RefusalStatus; resources: RequestedResource[] }>;
}

export function createResourceValidator(
  pool: Pool,
  registry: ResourceHandlerRegistry = resourceHandlers,
): ResourceValidator {
  return {
    async validate(envelopes, actor, traceId) {
      const problems: FieldProblem[] = [];
      const resources: RequestedResource[] = [];
      let absent = 0;
      let building = 0;
      let taken = 0;
      const references: ResourceReference[][] = envelopes.map(() => []);
      let inUse = 0;

      let catalog: CatalogSnapshot | undefined;
      const creates = envelopes.map((e, index) => ({ e, index })).filter(({ e }) => e.action === 'create');
      if (creates.length) {
        catalog = await loadCatalogSnapshot(pool);
        // The handlers see the resource itself: what it is for (action), whose (group) and when
        // (dependsOn) are the request's.
        const withoutAction = creates.map(({ e }) => {
          const { action: _action, group: _group, dependsOn: _dependsOn, ...rest } = e;
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
            references[index] = valid.handler.references?.(valid.input) ?? [];
            const [live, existing] = await Promise.all([
              findLiveAddresses(pool, valid.type, [valid.name]),
              findResource(pool, valid.type, valid.name),
            ]);
            if (
              live.some((lease) => lease.traceId !== traceId) ||
              (exists(existing) && existing.traceId !== traceId)
            ) {
              problems.push({
                path: `body.resources.${index}.name`,
                message: `a ${valid.type} named ${valid.name} already exists`,
              });
              taken++;
            }
            const group = envelopes[index]!.group;
            if (group !== undefined && !mayGiveGroup(actor, group)) {
              problems.push({
                path: `body.resources.${index}.group`,
                message: actor.groups.length
                  ? `not one of your groups (${actor.groups.join(', ')})`
                  : 'you are in no group',
              });
            }
            resources[index] = {
              type: valid.type,
              action: 'create',
              name: valid.name,
              spec: valid.input,
              managed: valid.input.managed === true,
              ...(group !== undefined ? { group } : {}),
            };
          }
        }
      }

      for (const [index, e] of envelopes.entries()) {
        // Every action but a create acts on an existing resource: its owner's, its group's or an admin's.
        if (e.action === 'create') continue;
        if (!registry.has(e.type)) {
          problems.push({
            path: `body.resources.${index}.type`,
            message: `unknown resource type '${e.type}'; known: ${registry.types().join(', ')}`,
          });
          continue;
        }
        const at = `body.resources.${index}`;
        const change = isChange(e.action) ? registry.get(e.type).changes?.[e.action] : undefined;
        let spec: Record<string, unknown> = { name: e.name };
        if (isChange(e.action)) {
          if (!change) {
            problems.push({ path: `${at}.action`, message: `a ${e.type} has no day-2 action ${e.action}` });
            continue;
          }
          // When (dependsOn) is the request's, not the change's.
          const { dependsOn: _dependsOn, ...body } = e;
          const parsed = change.input.safeParse(body);
          if (!parsed.success) {
            problems.push(...fieldProblems(at, parsed.error));
            continue;
          }
          spec = parsed.data as Record<string, unknown>;
        } else {
          const extra = Object.keys(e).filter((k) => !['type', 'action', 'name', 'dependsOn'].includes(k));
          for (const k of extra)
            problems.push({
              path: `${at}.${k}`,
              message: 'unknown field (a delete names only type, name and dependsOn)',
            });
        }
        const found = await findResource(pool, e.type, e.name);
        if (!exists(found) || !mayActOn(actor, found)) {
          absent++;
          problems.push({ path: `${at}.name`, message: absentResource(e.type, e.name) });
          continue;
        }
        // A change acts on a resource that is built and whole; a removal also retries a failed one.
        if (!(change ? changeableStates : actionableStates).includes(found.state)) {
          building++;
          // Name the request acting on it, when one is (a lease's decommission is not claimed).
          const claim = found.state === 'building' ? undefined : await findClaim(pool, [e]);
          problems.push({
            path: `body.resources.${index}.name`,
            message:
              found.state === 'building'
                ? `${busyMessage(found)}: cancel that request, or remove it once it is built`
                : claim
                  ? `the ${e.type} ${e.name} is ${found.state} by request ${claim.requestId} (${claim.status}); wait for it to end`
                  : busyMessage(found),
          });
          continue;
        }
        if (e.type === 'network' && e.action === 'delete') {
          // VMs this same request removes do not hold the network.
          const leaving = new Set(
            envelopes.filter((x) => x.action === 'delete' && x.type !== 'network').map((x) => x.name),
          );
          const users = (await networkUsers(pool, e.name)).filter((vm) => !leaving.has(vm));
          if (users.length) {
            inUse++;
            problems.push({
              path: `${at}.name`,
              message: `the network ${e.name} still has VMs on it: ${users.join(', ')}; remove them first`,
            });
            continue;
          }
        }
        if (change) {
          // Checked as a create would be, against the resource as the inventory knows it now.
          catalog ??= await loadCatalogSnapshot(pool);
          const current = { size: found.size, placement: found.placement, leaseEnd: found.leaseEnd };
          problems.push(
            ...change
              .check(spec, current, catalog)
              .map((p) => ({ path: `${at}.${p.path}`, message: p.message })),
          );
        }
        resources[index] = { type: e.type, action: e.action, name: e.name, spec, managed: found.managed };
      }
      const order = resolveDependencies(
        envelopes.map((e, index) => ({
          type: e.type,
          name: e.name,
          dependsOn: e.dependsOn,
          references: references[index],
        })),
      );
      problems.push(...order.problems);
      for (const [index, positions] of order.dependsOn.entries())
        if (positions.length && resources[index])
          resources[index].dependsOn = positions.map((k) => ({
            type: envelopes[k]!.type,
            name: envelopes[k]!.name,
          }));
      // A body wrong in itself is a 400 whatever it names; then an absent resource, then a busy
      // one or a name taken.
      const status = problems.length > absent + building + taken + inUse ? 400 : absent ? 404 : 409;
      return { problems, status, resources: problems.length ? [] : resources };
    },
  };
}
