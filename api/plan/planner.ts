/**
 * The plan of a request: what each of its resources would become and how, computed by the code
 * the real run uses and by reads only. For each resource: the handler's common format (placed by
 * the matrix, with the address it would get, marked provisional: nothing is allocated), the
 * template that would run and its steps (template-walk.ts), the rendered AWX extra_vars or
 * Terraform configuration (the render tasks themselves, run here), and the git change its commit
 * would make, as a diff against the resource's current files. A new resource type or action plugs
 * in through the tables the run uses: its handler (resource-handlers/), its template
 * (common/resource.ts) and its tasks' `preview` declaration; nothing here names a type.
 */
import { createTwoFilesPatch } from 'diff';
import type { Pool } from 'pg';
import { systems } from '../../activities/registry';
import { documentPath, metadataPath, resourceFiles } from '../../activities/rfm/layout';
import { GitNotFoundError, GitUnavailableError } from '../../activities/rfm/repositories';
import type { RfmDeps } from '../../activities/rfm/deps';
import type { RfmConfig } from '../../activities/rfm/config';
import { runTask, type AnySystem, type AnyTask, type WorkerResources } from '../../activities/task';
import { templateFor, type RequestedResource } from '../../common/request';
import { isChange } from '../../common/resource';
import type { TemplatePlan } from '../../common/template';
import { resourceHandlers, type ResourceHandlerRegistry } from '../../resource-handlers';
import { enrichResource, NoPlacementError } from '../../resource-handlers/enrich';
import {
  AddressPoolExhaustedError,
  loadCatalogSnapshot,
  NetworkNotFoundError,
  NetworkNameTakenError,
  NetworkPermitError,
  peekAddress,
  peekSubnet,
  SubnetOverlapError,
} from '../../resource-handlers/store';
import { HttpError } from '../errors';
import type { CatalogSnapshot, Placement, ResourceMetadata } from '../../resource-handlers/types';
import type { TemplateLibrary } from '../../templates/library';
import { hashOf, withoutProvisional } from './plan-hash';
import { plannedIds, walkTemplate, type PlannedStep } from './template-walk';

/** A value the plan shows that the run may give otherwise (nothing was held for it). */
export interface ProvisionalValue {
  /** Where it shows, e.g. `commonFormat.network.ipv4Address`. */
  what: string;
  value: string;
  /** What the hash takes instead of the value: what it is provisional on. */
  hashedAs: string;
}

/** One file of a resource's commit. */
export interface PlannedFileChange {
  path: string;
  change: 'add' | 'modify' | 'remove';
  /** A unified diff against the file on the branch tip. */
  diff: string;
}

/** One resource of a plan. */
export interface ResourcePlan {
  index: number;
  type: string;
  action: RequestedResource['action'];
  name: string;
  /** The common format its commit holds (a create), or holds now (any other action). */
  commonFormat: unknown;
  metadata: ResourceMetadata;
  placement?: Placement;
  provisional: ProvisionalValue[];
  template: { name: string; version: string; description: string; digest: string };
  steps: PlannedStep[];
  git: { repository: string; files: PlannedFileChange[] };
}

/** The plan of a request, and the hash a submission and an approval are bound to. */
export interface RequestPlan {
  planHash: string;
  resources: ResourcePlan[];
}

/** What a plan's hash is computed from: the plan with its provisional values by what they stand on. */
export function hashedForm(resources: readonly ResourcePlan[]): unknown {
  const stand = new Map(resources.flatMap((r) => r.provisional.map((p) => [p.value, p.hashedAs] as const)));
  return withoutProvisional({ resources }, stand);
}

/** A plan computed now, and its hashed form (what two plans are compared by). */
export interface PlanAnswer {
  plan: RequestPlan;
  hashed: unknown;
}

export interface RequestPlanner {
  /**
   * The plan of `resources`; `provisional` adds, by resource index, values the caller knows to be
   * relative to the moment of submission (an offering's lease of N days ends N days from then).
   */
  plan(
    resources: readonly RequestedResource[],
    provisional?: ReadonlyMap<number, ProvisionalValue[]>,
  ): Promise<PlanAnswer>;
  close(): Promise<void>;
}

export interface PlannerDeps {
  pool: Pool;
  library: TemplateLibrary;
  /** Where the resource repositories are; the planner reads them through a clone of its own. */
  rfm: RfmConfig;
  registry?: ResourceHandlerRegistry;
}

/** The stand-in of a commit that does not exist yet: the one the request would make. */
const PLANNED_COMMIT = '(the request commit)';

export function createRequestPlanner(deps: PlannerDeps): RequestPlanner {
  const registry = deps.registry ?? resourceHandlers;
  // The preview's own clones, apart from a worker's on the same machine.
  const rfm = { ...deps.rfm, workDir: `${deps.rfm.workDir.replace(/[\\/]+$/, '')}-plan` };
  const resources: WorkerResources = { pool: deps.pool, library: deps.library, endSystems: {}, rfm };
  /** The tasks the preview may run, each with its system (whose deps it is given). */
  const runnable = new Map<string, { task: AnyTask<unknown>; system: AnySystem }>();
  for (const system of systems)
    for (const task of system.tasks) if (task.preview) runnable.set(task.id, { task, system });
  const systemDeps = new Map<AnySystem, unknown>();
  const depsOf = (system: AnySystem): unknown => {
    if (!systemDeps.has(system)) systemDeps.set(system, system.createDeps(resources));
    return systemDeps.get(system);
  };
  const rfmDeps = () => depsOf(systems.find((s) => s.name === 'rfm')!) as RfmDeps;

  function runPreviewTask(taskId: string, input: unknown): Promise<unknown> | undefined {
    const found = runnable.get(taskId);
    if (!found) return undefined;
    return runTask(found.task, input, {
      deps: depsOf(found.system),
      signal: new AbortController().signal,
      heartbeat: () => undefined,
      resumeFrom: undefined,
      idempotencyKey: 'plan-preview',
      attempt: 1,
    });
  }

  /** The files of `name` on the branch tip; a file (or repository) it does not hold is absent. */
  async function currentFiles(type: string, files: string[]): Promise<Record<string, string>> {
    const found: Record<string, string> = {};
    for (const file of files) {
      try {
        Object.assign(found, (await rfmDeps().repositories.read(type, [file])).contents);
      } catch (err) {
        if (!(err instanceof GitNotFoundError)) throw err;
      }
    }
    return found;
  }

  /**
   * The change of `after` against the branch tip. A create's files are new (its name is free: the
   * check before the plan saw to that), so only an action on an existing resource reads git.
   */
  async function gitChange(
    resource: RequestedResource,
    after: Record<string, string | null>,
  ): Promise<ResourcePlan['git']> {
    const type = resource.type;
    const before = resource.action === 'create' ? {} : await currentFiles(type, Object.keys(after));
    const files: PlannedFileChange[] = [];
    for (const [file, content] of Object.entries(after)) {
      const was = before[file];
      if (was === content || (was === undefined && content === null)) continue;
      files.push({
        path: file,
        change: was === undefined ? 'add' : content === null ? 'remove' : 'modify',
        diff: createTwoFilesPatch(
          was === undefined ? '/dev/null' : `a/${file}`,
          content === null ? '/dev/null' : `b/${file}`,
          was ?? '',
          content ?? '',
          undefined,
          undefined,
          { context: 3 },
        ),
      });
    }
    return { repository: rfmDeps().repositories.publicUrlOf(type), files };
  }

  function templatePlan(resource: RequestedResource): TemplatePlan {
    const name = templateFor(resource);
    const ref = deps.library.resolve(name);
    if (!ref) throw new Error(`no template ${name} for a ${resource.action} of a ${resource.type}`);
    return deps.library.plan(ref);
  }

  /**
   * The plan of one resource. `catalog` holds, beside what exists, the pools of the networks the
   * request creates that are planned already: a VM on one is placed on it, and its address is the
   * pool's first (provisional: the pool does not exist yet).
   */
  async function planOne(
    resource: RequestedResource,
    index: number,
    catalog: CatalogSnapshot,
  ): Promise<ResourcePlan> {
    const handler = registry.get(resource.type);
    const provisional: ProvisionalValue[] = [];
    let document: { name: string; resourceType: string } & Record<string, unknown>;
    let placement: Placement | undefined;
    let files: Record<string, string | null>;
    const templateInput: Record<string, unknown> = {
      traceId: plannedIds.traceId,
      requestId: plannedIds.requestId,
      resourceType: resource.type,
      name: resource.name,
    };
    if (resource.action === 'create') {
      const enrichment = await enrichResource(handler, resource.spec, catalog, {
        address: async (network) => {
          const planned = catalog.networks[network];
          const peeked =
            planned && !planned.enabled && planned.builtBy?.traceId === plannedIds.traceId
              ? { network, address: planned.rangeStart }
              : await peekAddress(deps.pool, {
                  network,
                  resourceType: resource.type,
                  resourceName: resource.name,
                });
          provisional.push({
            what: 'address',
            value: peeked.address,
            hashedAs: `<address from ${network}>`,
          });
          return peeked;
        },
        // The pool as a reservation now would make it (its VLAN the lowest free one), nothing held.
        subnet: async (subnet) => {
          const pool = await peekSubnet(deps.pool, { ...subnet, traceId: plannedIds.traceId });
          // What the request's later resources see of it: a pool this request is building.
          catalog.networks[pool.name] = pool;
          return pool;
        },
      });
      placement = enrichment.placement;
      document = handler.emit(resource.spec, catalog, enrichment) as typeof document;
      files = resourceFiles(handler, document);
      templateInput.repoUrl = rfmDeps().repositories.publicUrlOf(resource.type);
    } else {
      // Any other action acts on the resource as its file holds it now.
      const read = (await runPreviewTask('rfm:read-resource', {
        resourceType: resource.type,
        name: resource.name,
      })) as { document: typeof document };
      document = read.document;
      if (isChange(resource.action)) {
        templateInput.repoUrl = rfmDeps().repositories.publicUrlOf(resource.type);
        // What the request workflow adds to a power template's input.
        if (resource.action === 'power') templateInput.power = resource.spec.power;
        // A day-2 change: the document after it, as the request commits it.
        const changed = (await runPreviewTask('resources:prepare-change', {
          action: resource.action,
          change: { ...resource.spec, type: resource.type, name: resource.name },
          document,
          index,
        })) as { document: typeof document };
        document = changed.document;
      }
      placement = (document as { placement?: Placement }).placement;
      // A removal removes its folder, both files; an action that leaves the file as it is commits nothing.
      files =
        resource.action === 'delete'
          ? { [documentPath(resource.name)]: null, [metadataPath(resource.name)]: null }
          : isChange(resource.action)
            ? resourceFiles(handler, document)
            : {};
    }
    const metadata = handler.describe(document);
    const plan = templatePlan(resource);
    const template = plan.templates[plan.entry]!;
    // The template reads what the request commits: for a create or a change, the document above.
    const runner = (taskId: string, input: unknown) =>
      taskId === 'rfm:read-resource' &&
      (resource.action === 'create' || isChange(resource.action)) &&
      (input as { name?: string }).name === resource.name
        ? Promise.resolve({
            repoUrl: templateInput.repoUrl,
            commit: PLANNED_COMMIT,
            document,
            metadata,
          })
        : runPreviewTask(taskId, input);
    const steps = await walkTemplate(template, templateInput, runner, plan.templates);
    return {
      index,
      type: resource.type,
      action: resource.action,
      name: resource.name,
      commonFormat: document,
      metadata,
      ...(placement ? { placement } : {}),
      provisional,
      template: {
        name: template.name,
        version: template.version,
        description: template.description ?? '',
        digest: hashOf(plan),
      },
      steps,
      git: await gitChange(resource, files),
    };
  }

  /** A plan that cannot be made now, as the API answers it, naming the resource's field. */
  function refusal(err: unknown, index: number): unknown {
    const at = `body.resources.${index}`;
    if (err instanceof AddressPoolExhaustedError)
      return new HttpError(409, 'Conflict', `not now: ${err.message}`, [
        { path: `${at}.network`, message: err.message },
      ]);
    if (err instanceof NetworkNotFoundError)
      return new HttpError(400, 'InvalidInput', err.message, [
        { path: `${at}.network`, message: err.message },
      ]);
    if (err instanceof SubnetOverlapError || err instanceof NetworkPermitError)
      return new HttpError(422, 'Unprocessable', err.message, [
        { path: `${at}.subnet`, message: err.message },
      ]);
    if (err instanceof NetworkNameTakenError)
      return new HttpError(409, 'Conflict', err.message, [{ path: `${at}.name`, message: err.message }]);
    if (err instanceof NoPlacementError)
      return new HttpError(422, 'Unprocessable', err.message, [
        { path: `${at}.placement`, message: err.message },
      ]);
    if (err instanceof GitUnavailableError || (err as { type?: string }).type === 'UpstreamUnavailable')
      return new HttpError(
        503,
        'UpstreamUnavailable',
        `the resource repository cannot be read now: ${(err as Error).message}`,
      );
    return err;
  }

  return {
    async plan(requested, known = new Map()) {
      // A copy: the pools of networks planned here are added to it as they are planned.
      const catalog = structuredClone(await loadCatalogSnapshot(deps.pool));
      const resources: ResourcePlan[] = [];
      // In dependency order (as the request builds), so a VM sees the network the request makes;
      // the plan lists them in the request's order.
      for (const index of dependencyOrder(requested)) {
        const resource = requested[index]!;
        const planned = await planOne(resource, index, catalog).catch((err: unknown) => {
          throw refusal(err, index);
        });
        planned.provisional.push(...(known.get(index) ?? []));
        resources[index] = planned;
      }
      const hashed = hashedForm(resources);
      return { plan: { planHash: hashOf(hashed), resources }, hashed };
    },
    async close() {
      for (const [system, made] of systemDeps) await system.close?.(made);
    },
  };
}

/** The positions of `resources` so that each comes after those it depends on (checked acyclic). */
function dependencyOrder(resources: readonly RequestedResource[]): number[] {
  const key = (r: { type: string; name: string }) => `${r.type}/${r.name}`;
  const position = new Map(resources.map((r, i) => [key(r), i]));
  const order: number[] = [];
  const placed = new Set<number>();
  const visit = (i: number) => {
    if (placed.has(i)) return;
    placed.add(i);
    for (const d of resources[i]!.dependsOn ?? []) {
      const at = position.get(key(d));
      if (at !== undefined) visit(at);
    }
    order.push(i);
  };
  resources.forEach((_r, i) => visit(i));
  return order;
}
