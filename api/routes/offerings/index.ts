/**
 * `GET /v1/catalog`: the offerings the caller may order, each with the JSON Schema of what is left
 * to ask; `/v1/admin/offerings`: admins create, change and retire them. An offering is checked
 * like a request before it is stored (its preset fields against the inventory and limits of the
 * moment, its longest lease against the limit), so the catalog offers only what will be accepted.
 */
import { Router } from 'express';
import { validateResources } from '../../../resource-handlers';
import { loadCatalogSnapshot } from '../../../resource-handlers/store';
import { principalOf, requireRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest, type FieldProblem } from '../../errors';
import {
  offeringChangeSchema,
  offeringCreateSchema,
  offeringName,
  reservedSpecFields,
  type OfferingChange,
} from './schema';
import {
  changeOffering,
  createOffering,
  expandOrder,
  getOffering,
  listOfferings,
  mayOrder,
  OfferingExistsError,
  orderSchemaOf,
  retireOffering,
  type Offering,
} from './store';

/** What the catalog shows of an offering: the definition, the schema of an order, an example. */
export function catalogEntry(offering: Offering) {
  const { createdBy: _c, updatedBy: _u, retiredBy: _r, ...shown } = offering;
  return {
    ...shown,
    orderSchema: orderSchemaOf(offering),
    example: { offering: offering.name, name: 'my-vm-01', leaseDays: offering.defaultLeaseDays },
  };
}

/**
 * The problems of an offering's definition: its preset fields as a resource (at `body.spec.…`),
 * and its longest lease against the resource type's limit (at `body.maxLeaseDays`).
 */
async function offeringProblems(deps: ApiDeps, o: OfferingChange): Promise<FieldProblem[]> {
  const catalog = await loadCatalogSnapshot(deps.pool);
  const now = new Date();
  const probe = { ...o, name: 'x', createdBy: '', createdAt: '', updatedBy: '', updatedAt: '' };
  const problems: FieldProblem[] = reservedSpecFields
    .filter((k) => k in o.spec)
    .map((k) => ({
      path: `body.spec.${k}`,
      message: 'the orderer gives this: an offering presets the other fields',
    }));
  if (o.defaultLeaseDays > o.maxLeaseDays)
    problems.push({
      path: 'body.defaultLeaseDays',
      message: `must not exceed maxLeaseDays (${o.maxLeaseDays})`,
    });
  if (problems.length) return problems;
  for (const [days, field] of [
    [o.defaultLeaseDays, 'defaultLeaseDays'],
    [o.maxLeaseDays, 'maxLeaseDays'],
  ] as const) {
    const resource = expandOrder(
      { ...probe, retiredBy: null, retiredAt: null },
      { offering: 'x', name: 'offering-check', leaseDays: days },
      now,
    );
    const result = validateResources([resource], catalog, { now });
    if (result.ok) continue;
    for (const p of result.problems) {
      const path = p.path.replace(/^resources\.0\.?/, '');
      const mapped =
        path === 'leaseEnd'
          ? `body.${field}`
          : path === 'type'
            ? 'body.resourceType'
            : `body.spec${path ? `.${path}` : ''}`;
      if (!problems.some((q) => q.path === mapped && q.message === p.message))
        problems.push({ path: mapped, message: p.message });
    }
  }
  return problems;
}

function refused(problems: FieldProblem[]): HttpError {
  return new HttpError(
    422,
    'Unprocessable',
    `the offering would not be accepted: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
}

export function catalogRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/catalog', async (req, res) => {
    const principal = principalOf(req);
    const offerings = (await listOfferings(deps.pool, { includeRetired: false })).filter((o) =>
      mayOrder(principal, o),
    );
    res.json({ offerings: offerings.map(catalogEntry) });
  });
  return router;
}

export function offeringAdminRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));
  router.param('name', (_req, _res, next, value: string) => {
    next(
      offeringName.safeParse(value).success ? undefined : new HttpError(404, 'NotFound', 'no such offering'),
    );
  });

  router.get('/', async (_req, res) => {
    res.json({ offerings: (await listOfferings(deps.pool, { includeRetired: true })).map(catalogEntry) });
  });

  router.get('/:name', async (req, res) => {
    const offering = await getOffering(deps.pool, String(req.params.name));
    if (!offering) throw new HttpError(404, 'NotFound', `no offering ${req.params.name}`);
    res.json(catalogEntry(offering));
  });

  router.post('/', async (req, res) => {
    const parsed = offeringCreateSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const problems = await offeringProblems(deps, parsed.data);
    if (problems.length) throw refused(problems);
    try {
      const offering = await createOffering(deps.pool, parsed.data, principalOf(req).subject);
      deps.log.info({ offering: offering.name, by: principalOf(req).subject }, 'offering created');
      res.status(201).json(catalogEntry(offering));
    } catch (err) {
      if (err instanceof OfferingExistsError)
        throw new HttpError(409, 'Conflict', err.message, [{ path: 'body.name', message: err.message }]);
      throw err;
    }
  });

  router.put('/:name', async (req, res) => {
    const parsed = offeringChangeSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const problems = await offeringProblems(deps, parsed.data);
    if (problems.length) throw refused(problems);
    const offering = await changeOffering(
      deps.pool,
      String(req.params.name),
      parsed.data,
      principalOf(req).subject,
    );
    if (!offering) throw new HttpError(404, 'NotFound', `no offering ${req.params.name}`);
    deps.log.info({ offering: offering.name, by: principalOf(req).subject }, 'offering changed');
    res.json(catalogEntry(offering));
  });

  // Retiring is not deleting: the offering stays readable here, with who retired it and when.
  router.post('/:name/retire', async (req, res) => {
    const offering = await retireOffering(deps.pool, String(req.params.name), principalOf(req).subject);
    if (!offering) throw new HttpError(404, 'NotFound', `no offering ${req.params.name}`);
    deps.log.info({ offering: offering.name, by: principalOf(req).subject }, 'offering retired');
    res.json(catalogEntry(offering));
  });
  return router;
}
