/**
 * `resources:prepare`: turns one resource as the user wrote it into its common format. Loads the
 * catalog, validates (a violation fails non-retryably, naming the field as the API would, e.g.
 * `resources.0.cpu`: the catalog may have changed since the API checked), claims the name for
 * the requester (its owner from now on, with the group the request gave it), chooses a placement
 * from the matrix, allocates an address (or, for a network, reserves its subnet as a pool), and
 * emits the document and its metadata file. Safe to
 * retry: the claim and the allocation return what this request (or an earlier run in its trace)
 * already holds, and the placement is a function of the name. Its undo is `ipam:release-address`
 * (which gives back a network's reserved subnet too);
 * the request's end gives up the claim of a resource it did not build.
 */
import { z } from 'zod';
import { mayGiveGroup } from '../../common/authority';
import { failure } from '../../common/errors';
import { commonFormatProblems, validateResources } from '../../resource-handlers';
import { enrichResource, NoPlacementError } from '../../resource-handlers/enrich';
import {
  AddressPoolExhaustedError,
  allocateAddress,
  claimResource,
  loadCatalogSnapshot,
  NetworkNameTakenError,
  NetworkNotFoundError,
  NetworkPermitError,
  recordSummary,
  reserveSubnet,
  SubnetOverlapError,
  ResourceExistsError,
  ResourceNameInUseError,
} from '../../resource-handlers/store';
import type { Enrichment, FieldProblem } from '../../resource-handlers/types';
import { virtualMachineExamples } from '../../resource-handlers/virtual_machine/examples';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';
import {
  actorSchema,
  commonFormatDocumentSchema,
  resourceMetadataSchema,
  resourceNameSchema,
  resourceTypeSchema,
} from './schemas';

const call = 'resources:prepare';

/** A non-retryable failure whose message names every field, as the API's 400 would. */
function invalid(fields: FieldProblem[]) {
  const message = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return failure('InvalidInput', `${call}: ${message}`, { system: 'resources', call, fields });
}

export const prepareResource = defineTask({
  id: call,
  description:
    'Validates a resource against the catalog, places it by the admin matrix, allocates its IP address and emits its common format.',
  timeouts: 'short',
  input: z.object({
    /** The resource as the user wrote it, `type` included. */
    resource: z.looseObject({ type: z.string() }),
    requestId: z.string().min(1),
    traceId: z.string().min(1),
    /** The resource's position in the request, so field paths read `resources.<index>.…`. */
    index: z.number().int().min(0).default(0),
    /** Who the request acts for: the resource's owner. */
    requester: actorSchema,
    /** The group whose members act on the resource as its owner: one of the requester's (any for an admin). */
    group: z.string().min(1).optional(),
  }),
  output: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    document: commonFormatDocumentSchema,
    metadata: resourceMetadataSchema,
    address: z.object({ network: z.string(), address: z.string(), reused: z.boolean() }),
  }),
  examples: [
    {
      resource: virtualMachineExamples[0]!.input,
      requestId: 'req_example',
      traceId: 'trc_example',
      requester: { subject: 'alice@example.com', role: 'requester', groups: ['web'] },
      group: 'web',
    },
  ],
  async handler(input, ctx: TaskContext<ResourceDeps>) {
    const { pool, registry } = ctx.deps;
    const at = `resources.${input.index}`;
    const catalog = await loadCatalogSnapshot(pool);
    const checked = validateResources(
      [input.resource],
      catalog,
      { now: ctx.deps.now() },
      registry,
      'resources',
    );
    if (!checked.ok) {
      const fields = checked.problems.map((p) => ({ ...p, path: p.path.replace(/^resources\.0/, at) }));
      throw invalid(fields);
    }
    const { handler, input: resource } = checked.resources[0]!;
    const { requester, group } = input;
    if (group !== undefined && !mayGiveGroup(requester, group))
      throw invalid([{ path: `${at}.group`, message: `${requester.subject} is not in the group ${group}` }]);
    try {
      await claimResource(pool, {
        type: handler.type,
        name: resource.name,
        managed: resource.managed === true,
        owner: requester.subject,
        group: group ?? null,
        requestId: input.requestId,
        traceId: input.traceId,
      });
    } catch (err) {
      if (err instanceof ResourceExistsError) throw invalid([{ path: `${at}.name`, message: err.message }]);
      throw err;
    }
    let reused = false;
    let enrichment: Enrichment;
    try {
      enrichment = await enrichResource(handler, resource, catalog, {
        address: async (network) => {
          const lease = await allocateAddress(pool, {
            network,
            resourceType: handler.type,
            resourceName: resource.name,
            requestId: input.requestId,
            traceId: input.traceId,
          });
          reused = lease.reused;
          return { network: lease.network, address: lease.address };
        },
        subnet: (subnet) => reserveSubnet(pool, { ...subnet, traceId: input.traceId }),
      });
    } catch (err) {
      if (err instanceof NoPlacementError) throw invalid([{ path: `${at}.placement`, message: err.message }]);
      if (err instanceof ResourceNameInUseError)
        throw invalid([
          {
            path: `${at}.name`,
            message: `already in use: it has an address from request ${err.holder.requestId}`,
          },
        ]);
      if (err instanceof NetworkNotFoundError)
        throw invalid([{ path: `${at}.network`, message: err.message }]);
      if (err instanceof SubnetOverlapError || err instanceof NetworkPermitError)
        throw invalid([{ path: `${at}.subnet`, message: err.message }]);
      if (err instanceof NetworkNameTakenError) throw invalid([{ path: `${at}.name`, message: err.message }]);
      // Addresses come back as VMs are removed: worth retrying for a while.
      if (err instanceof AddressPoolExhaustedError)
        throw failure('Conflict', `${call}: ${err.message}`, { system: 'ipam', call });
      throw err;
    }
    const document = handler.emit(resource, catalog, enrichment);
    const problems = commonFormatProblems(handler, document);
    if (problems.length)
      throw failure(
        'InvalidOutput',
        `${call}: the ${handler.type} handler emitted a document outside its common format: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        { system: 'resources', call, fields: problems },
      );
    await recordSummary(
      pool,
      { type: handler.type, name: resource.name, traceId: input.traceId },
      handler.summarize(document),
    );
    return {
      resourceType: handler.type,
      name: resource.name,
      document,
      metadata: handler.describe(document),
      address: {
        network: enrichment.address?.network ?? '',
        address: enrichment.address?.address ?? '',
        reused,
      },
    };
  },
});
