/**
 * The TFE API v2 simulator's HTTP surface: bearer-token auth (401), rate limits (429 with
 * X-RateLimit-* headers), JSON:API documents, and the endpoints of ../shared/reference/tfe-api.md
 * for organizations, workspaces, variables, configuration versions, runs, plans, applies, state
 * versions and outputs, plus the archivist's secret URLs for uploads, logs and state.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { createSimulatorApp, parseBearer, safeEqual, type FaultBody, type SimulatorContext } from '../common';
import { defaultTerraformVersion, TfeEngine } from './engine';
import {
  JSON_API,
  TfeError,
  optionalAttribute,
  paginate,
  relationshipId,
  requestData,
  tfeId,
  type ResourceObject,
} from './json-api';
import { RateLimiter } from './rate-limit';
import { providerSource, Serializer, simulatedUser } from './serializers';
import { terminalRunStatuses, type TfeRun, type TfeVar, type TfeWorkspace } from './types';

const faultBody: FaultBody = (status, message) => ({
  contentType: JSON_API,
  body: JSON.stringify({ errors: [{ status: String(status), title: message }] }),
});

const WORKSPACE_NAME = /^[A-Za-z0-9_-]{1,90}$/;
const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function send(res: Response, status: number, doc: unknown): void {
  res.status(status).type(JSON_API).send(JSON.stringify(doc));
}

const settingsSchema = z
  .object({
    rate_limit_per_second: z.number().int().min(1).optional(),
    run_list_per_minute: z.number().int().min(1).optional(),
    run_concurrency: z.number().int().min(1).nullable().optional(),
  })
  .strict();

/** The TFE simulator app and its engine over `ctx`'s world. */
export function createTfeApp(ctx: SimulatorContext): { app: express.Express; engine: TfeEngine } {
  const { world } = ctx;
  const engine = new TfeEngine(world, ctx.log);
  const limiter = new RateLimiter(world.now);
  world.on('reset', () => limiter.clear());

  const admin = express.Router();
  admin.get('/tfe/settings', (_req, res) => {
    res.json(engine.state.settings);
  });
  admin.put('/tfe/settings', (req, res) => {
    const update = settingsSchema.parse(req.body);
    world.change(() => Object.assign(engine.state.settings, update));
    limiter.clear();
    res.json(engine.state.settings);
  });

  const app = createSimulatorApp({
    system: 'tfe',
    ctx,
    faultBody,
    adminExtensions: [admin],
    bodyLimit: '50mb',
    jsonScalars: true,
    rawBodyPrefixes: ['/_archivist/'],
  });
  const serializer = (req: Request) => new Serializer(engine, `${req.protocol}://${req.get('host')}`);

  // ---- archivist: secret URLs, no bearer token -----------------------------------------------
  app.put('/_archivist/v1/object/:secret', express.raw({ type: () => true, limit: '50mb' }), (req, res) => {
    const target = engine.state.archivist[req.params.secret as string];
    if (!target || target.kind !== 'upload') throw TfeError.notFound();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    engine.receiveUpload(target.configuration_version_id, body);
    res.status(200).end();
  });

  app.get('/_archivist/v1/object/:secret', (req, res) => {
    const target = engine.state.archivist[req.params.secret as string];
    if (!target || target.kind === 'upload') throw TfeError.notFound();
    if (target.kind === 'state') {
      const sv = engine.state.state_versions[target.state_version_id];
      if (!sv) throw TfeError.notFound();
      const outputs = sv.output_ids
        .map((id) => engine.state.state_version_outputs[id])
        .filter((o) => o !== undefined);
      res.json({
        version: 4,
        terraform_version:
          engine.state.workspaces[sv.workspace_id]?.terraform_version ?? defaultTerraformVersion,
        serial: sv.serial,
        lineage: sv.workspace_id,
        outputs: Object.fromEntries(
          outputs.map((o) => [
            o.name,
            { value: o.value, type: o.type, ...(o.sensitive ? { sensitive: true } : {}) },
          ]),
        ),
        resources: sv.resources.map((r) => ({
          mode: 'managed',
          type: r.type,
          name: r.name,
          provider: `provider["${providerSource(r.type)}"]`,
          instances: [{ schema_version: 0, attributes: r.attributes }],
        })),
      });
      return;
    }
    const phase =
      target.kind === 'plan-log' ? engine.state.plans[target.plan_id] : engine.state.applies[target.apply_id];
    if (!phase) throw TfeError.notFound();
    // go-tfe's LogReader wants STX first and ETX once the log is final.
    const stream = Buffer.from(`\u0002${phase.log}${phase.log_complete ? '\u0003' : ''}`, 'utf8');
    const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
    const limit = req.query.limit === undefined ? stream.length : Math.max(0, Number(req.query.limit) || 0);
    res
      .status(200)
      .type('text/plain')
      .send(stream.subarray(offset, offset + limit));
  });

  // ---- service discovery: how Terraform and its clients find the API (no token) -------------
  app.get('/.well-known/terraform.json', (_req, res) => {
    res.json({
      'modules.v1': '/api/registry/v1/modules/',
      'providers.v1': '/api/registry/v1/providers/',
      'motd.v1': '/api/terraform/motd',
      'state.v2': '/api/v2/',
      'tfe.v2': '/api/v2/',
      'tfe.v2.1': '/api/v2/',
      'tfe.v2.2': '/api/v2/',
      'versions.v1': 'https://checkpoint-api.hashicorp.com/v1/versions/',
      'login.v1': {
        client: 'terraform-cli',
        grant_types: ['authz_code'],
        authz: '/app/settings/tokens?source=terraform-login',
        token: '/api/v2/tokens',
        ports: [10000, 10010],
      },
    });
  });

  // ---- API v2 --------------------------------------------------------------------------------
  const api = express.Router();

  api.get('/ping', (_req, res) => {
    res
      .status(204)
      .set({
        'X-RateLimit-Limit': String(engine.state.settings.rate_limit_per_second),
        'TFP-API-Version': '2.6',
        'TFP-AppName': 'Terraform Enterprise',
        'X-TFE-Version': 'v202410-1',
        'X-TFE-Current-Version': 'v202410-1',
      })
      .end();
  });

  api.use((req, res, next) => {
    const token = parseBearer(req.headers.authorization);
    const key = token ? `token:${token}` : `ip:${req.ip ?? ''}`;
    const decision = limiter.take(key, engine.state.settings.rate_limit_per_second, 1000);
    res.set('X-RateLimit-Limit', String(decision.limit));
    res.set('X-RateLimit-Remaining', String(decision.remaining));
    res.set('X-RateLimit-Reset', decision.resetSeconds.toFixed(3));
    if (!decision.allowed) {
      send(res, 429, {
        errors: [
          { detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' },
        ],
      });
      return;
    }
    if (!token || !safeEqual(token, ctx.credentials.tfe.token)) throw TfeError.unauthorized();
    next();
  });

  const runListLimit = (req: Request, res: Response, next: NextFunction) => {
    const token = parseBearer(req.headers.authorization) ?? '';
    const decision = limiter.take(`runs:${token}`, engine.state.settings.run_list_per_minute, 60_000);
    if (!decision.allowed) {
      res.set('X-RateLimit-Limit', String(decision.limit));
      res.set('X-RateLimit-Remaining', '0');
      res.set('X-RateLimit-Reset', decision.resetSeconds.toFixed(3));
      send(res, 429, {
        errors: [
          { detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' },
        ],
      });
      return;
    }
    next();
  };

  const organization = (name: string) => {
    const org = engine.state.organizations[name];
    if (!org) throw TfeError.notFound();
    return org;
  };
  const workspaceById = (id: string) => {
    const ws = engine.state.workspaces[id];
    if (!ws) throw TfeError.notFound();
    return ws;
  };
  const workspaceByName = (org: string, name: string) => {
    organization(org);
    const ws = Object.values(engine.state.workspaces).find((w) => w.organization === org && w.name === name);
    if (!ws) throw TfeError.notFound();
    return ws;
  };
  const runById = (id: string) => {
    const run = engine.state.runs[id];
    if (!run) throw TfeError.notFound();
    return run;
  };

  // The user every token belongs to
  // https://developer.hashicorp.com/terraform/cloud-docs/api-docs/account#get-your-account-details
  api.get('/account/details', (req, res) => {
    send(res, 200, { data: serializer(req).user() });
  });
  api.get('/users/:id', (req, res) => {
    if (req.params.id !== simulatedUser.id) throw TfeError.notFound();
    send(res, 200, { data: serializer(req).user() });
  });

  // Organizations
  api.get('/organizations', (req, res) => {
    const page = paginate(req, Object.values(engine.state.organizations));
    const s = serializer(req);
    send(res, 200, { data: page.page.map((o) => s.organization(o)), links: page.links, meta: page.meta });
  });
  api.get('/organizations/:org', (req, res) => {
    send(res, 200, { data: serializer(req).organization(organization(req.params.org as string)) });
  });
  api.post('/organizations', (req, res) => {
    const { attributes } = requestData(req.body, 'organizations');
    const name = optionalAttribute(attributes, 'name', 'string');
    const email = optionalAttribute(attributes, 'email', 'string');
    if (!name || !WORKSPACE_NAME.test(name)) {
      throw TfeError.invalid('Name can only include letters, numbers, -, and _.', '/data/attributes/name');
    }
    if (!email) throw TfeError.invalid("Email can't be blank", '/data/attributes/email');
    if (engine.state.organizations[name])
      throw TfeError.invalid('Name has already been taken', '/data/attributes/name');
    const org = world.change(() => {
      const created = {
        name,
        email,
        created_at: new Date(world.now()).toISOString(),
        default_project_id: tfeId('prj'),
      };
      engine.state.organizations[name] = created;
      return created;
    });
    send(res, 201, { data: serializer(req).organization(org) });
  });
  // https://developer.hashicorp.com/terraform/cloud-docs/api-docs/organizations#update-an-organization
  api.patch('/organizations/:org', (req, res) => {
    const org = organization(req.params.org as string);
    const email = optionalAttribute(requestData(req.body, 'organizations').attributes, 'email', 'string');
    if (email !== undefined) {
      if (!email) throw TfeError.invalid("Email can't be blank", '/data/attributes/email');
      world.change(() => (org.email = email));
    }
    send(res, 200, { data: serializer(req).organization(org) });
  });
  // https://developer.hashicorp.com/terraform/cloud-docs/api-docs/organizations#destroy-an-organization
  api.delete('/organizations/:org', (req, res) => {
    const org = organization(req.params.org as string);
    for (const ws of Object.values(engine.state.workspaces).filter((w) => w.organization === org.name))
      engine.deleteWorkspace(ws);
    world.change(() => delete engine.state.organizations[org.name]);
    res.status(204).end();
  });

  // Workspaces
  const workspaceAttributes = (attributes: Record<string, unknown>) => {
    const executionMode = optionalAttribute(attributes, 'execution-mode', 'string');
    if (executionMode !== undefined && !['remote', 'local', 'agent'].includes(executionMode)) {
      throw TfeError.invalid(
        'Execution mode must be remote, local or agent',
        '/data/attributes/execution-mode',
      );
    }
    const nullableString = (key: string) => {
      const value = attributes[key];
      if (value === undefined || value === null) return value as undefined | null;
      if (typeof value !== 'string')
        throw TfeError.invalid(`${key} must be a string`, `/data/attributes/${key}`);
      return value;
    };
    return {
      name: optionalAttribute(attributes, 'name', 'string'),
      description: nullableString('description'),
      auto_apply: optionalAttribute(attributes, 'auto-apply', 'boolean'),
      allow_destroy_plan: optionalAttribute(attributes, 'allow-destroy-plan', 'boolean'),
      queue_all_runs: optionalAttribute(attributes, 'queue-all-runs', 'boolean'),
      speculative_enabled: optionalAttribute(attributes, 'speculative-enabled', 'boolean'),
      execution_mode: executionMode as TfeWorkspace['execution_mode'] | undefined,
      terraform_version: optionalAttribute(attributes, 'terraform-version', 'string'),
      working_directory: nullableString('working-directory'),
    };
  };
  const checkName = (org: string, name: string, except?: string) => {
    if (!WORKSPACE_NAME.test(name)) {
      throw TfeError.invalid('Name can only include letters, numbers, -, and _.', '/data/attributes/name');
    }
    const taken = Object.values(engine.state.workspaces).some(
      (w) => w.organization === org && w.name === name && w.id !== except,
    );
    if (taken) throw TfeError.invalid('Name has already been taken', '/data/attributes/name');
  };

  api.get('/organizations/:org/workspaces', (req, res) => {
    const org = organization(req.params.org as string).name;
    const search = String(
      req.query['search[name]'] ?? (req.query.search as Record<string, string> | undefined)?.name ?? '',
    );
    const items = Object.values(engine.state.workspaces)
      .filter((w) => w.organization === org && w.name.toLowerCase().includes(search.toLowerCase()))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = paginate(req, items);
    const s = serializer(req);
    send(res, 200, { data: page.page.map((w) => s.workspace(w)), links: page.links, meta: page.meta });
  });

  api.post('/organizations/:org/workspaces', (req, res) => {
    const org = organization(req.params.org as string).name;
    const attrs = workspaceAttributes(requestData(req.body, 'workspaces').attributes);
    if (attrs.name === undefined) throw TfeError.invalid("Name can't be blank", '/data/attributes/name');
    checkName(org, attrs.name);
    const now = new Date(world.now()).toISOString();
    const ws: TfeWorkspace = {
      id: tfeId('ws'),
      organization: org,
      name: attrs.name,
      description: attrs.description ?? null,
      auto_apply: attrs.auto_apply ?? false,
      allow_destroy_plan: attrs.allow_destroy_plan ?? true,
      queue_all_runs: attrs.queue_all_runs ?? false,
      speculative_enabled: attrs.speculative_enabled ?? true,
      execution_mode: attrs.execution_mode ?? 'remote',
      terraform_version: attrs.terraform_version ?? defaultTerraformVersion,
      working_directory: attrs.working_directory ?? null,
      manually_locked: false,
      created_at: now,
      updated_at: now,
      current_run_id: null,
      latest_run_id: null,
      current_state_version_id: null,
      current_configuration_version_id: null,
    };
    world.change(() => {
      engine.state.workspaces[ws.id] = ws;
      world.count('tfe.workspaces.created', 1, world.state);
    });
    send(res, 201, { data: serializer(req).workspace(ws) });
  });

  const showWorkspace = (req: Request, res: Response, ws: TfeWorkspace) => {
    send(res, 200, { data: serializer(req).workspace(ws) });
  };
  const updateWorkspace = (req: Request, res: Response, ws: TfeWorkspace) => {
    const attrs = workspaceAttributes(requestData(req.body, 'workspaces').attributes);
    if (attrs.name !== undefined) checkName(ws.organization, attrs.name, ws.id);
    world.change(() => {
      for (const [key, value] of Object.entries(attrs)) {
        if (value !== undefined) (ws as unknown as Record<string, unknown>)[key] = value;
      }
      ws.updated_at = new Date(world.now()).toISOString();
    });
    showWorkspace(req, res, ws);
  };
  const deleteWorkspace = (_req: Request, res: Response, ws: TfeWorkspace) => {
    engine.deleteWorkspace(ws);
    res.status(204).end();
  };
  api.get('/organizations/:org/workspaces/:name', (req, res) =>
    showWorkspace(req, res, workspaceByName(req.params.org as string, req.params.name as string)),
  );
  api.patch('/organizations/:org/workspaces/:name', (req, res) =>
    updateWorkspace(req, res, workspaceByName(req.params.org as string, req.params.name as string)),
  );
  api.delete('/organizations/:org/workspaces/:name', (req, res) =>
    deleteWorkspace(req, res, workspaceByName(req.params.org as string, req.params.name as string)),
  );
  api.get('/workspaces/:id', (req, res) => showWorkspace(req, res, workspaceById(req.params.id as string)));
  api.patch('/workspaces/:id', (req, res) =>
    updateWorkspace(req, res, workspaceById(req.params.id as string)),
  );
  api.delete('/workspaces/:id', (req, res) =>
    deleteWorkspace(req, res, workspaceById(req.params.id as string)),
  );

  api.post('/workspaces/:id/actions/:action', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const action = req.params.action as string;
    const locked = ws.manually_locked || engine.lockingRun(ws.id) !== undefined;
    if (action === 'lock') {
      if (locked) throw TfeError.conflict('Unable to lock workspace. The workspace is already locked.');
      world.change(() => (ws.manually_locked = true));
    } else if (action === 'unlock' || action === 'force-unlock') {
      if (!ws.manually_locked)
        throw TfeError.conflict('Unable to unlock workspace. The workspace is not locked.');
      world.change(() => (ws.manually_locked = false));
      engine.startNext(ws.id);
    } else {
      throw TfeError.notFound();
    }
    showWorkspace(req, res, ws);
  });

  // Variables
  const varsOf = (ws: TfeWorkspace) =>
    Object.values(engine.state.vars).filter((v) => v.workspace_id === ws.id);
  const checkVariable = (ws: TfeWorkspace, key: string, category: string, except?: string) => {
    if (!VARIABLE_KEY.test(key)) throw TfeError.invalid('Key has invalid characters', '/data/attributes/key');
    if (varsOf(ws).some((v) => v.key === key && v.category === category && v.id !== except)) {
      throw TfeError.invalid('Key has already been taken', '/data/attributes/key');
    }
  };
  const variableValue = (attributes: Record<string, unknown>): string | undefined => {
    const value = attributes.value;
    if (value === undefined) return undefined;
    if (value === null) return '';
    if (typeof value === 'object') throw TfeError.invalid('Value must be a string', '/data/attributes/value');
    return String(value);
  };

  api.get('/workspaces/:id/vars', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const s = serializer(req);
    send(res, 200, { data: varsOf(ws).map((v) => s.variable(v, ws)) });
  });
  api.post('/workspaces/:id/vars', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const { attributes } = requestData(req.body, 'vars');
    const key = optionalAttribute(attributes, 'key', 'string');
    if (!key) throw TfeError.invalid("Key can't be blank", '/data/attributes/key');
    const category = optionalAttribute(attributes, 'category', 'string');
    if (category !== 'terraform' && category !== 'env') {
      throw TfeError.invalid('Category must be terraform or env', '/data/attributes/category');
    }
    checkVariable(ws, key, category);
    const variable: TfeVar = {
      id: tfeId('var'),
      workspace_id: ws.id,
      key,
      value: variableValue(attributes) ?? '',
      description: (attributes.description as string | null | undefined) ?? null,
      category,
      hcl: optionalAttribute(attributes, 'hcl', 'boolean') ?? false,
      sensitive: optionalAttribute(attributes, 'sensitive', 'boolean') ?? false,
      version_id: tfeId('ver').slice(4),
      created_at: new Date(world.now()).toISOString(),
    };
    world.change(() => (engine.state.vars[variable.id] = variable));
    send(res, 201, { data: serializer(req).variable(variable, ws) });
  });
  const variableOf = (ws: TfeWorkspace, id: string) => {
    const variable = engine.state.vars[id];
    if (!variable || variable.workspace_id !== ws.id) throw TfeError.notFound();
    return variable;
  };
  api.patch('/workspaces/:id/vars/:varId', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const variable = variableOf(ws, req.params.varId as string);
    const { attributes } = requestData(req.body, 'vars');
    const key = optionalAttribute(attributes, 'key', 'string');
    const category = optionalAttribute(attributes, 'category', 'string');
    if (category !== undefined && category !== 'terraform' && category !== 'env') {
      throw TfeError.invalid('Category must be terraform or env', '/data/attributes/category');
    }
    const sensitive = optionalAttribute(attributes, 'sensitive', 'boolean');
    if (variable.sensitive && sensitive === false) {
      throw TfeError.invalid(
        'A sensitive variable cannot be made non-sensitive',
        '/data/attributes/sensitive',
      );
    }
    checkVariable(ws, key ?? variable.key, category ?? variable.category, variable.id);
    const value = variableValue(attributes);
    const hcl = optionalAttribute(attributes, 'hcl', 'boolean');
    world.change(() => {
      if (key !== undefined) variable.key = key;
      if (category !== undefined) variable.category = category;
      if (value !== undefined) variable.value = value;
      if (hcl !== undefined) variable.hcl = hcl;
      if (sensitive !== undefined) variable.sensitive = sensitive;
      if (attributes.description !== undefined)
        variable.description = attributes.description as string | null;
      variable.version_id = tfeId('ver').slice(4);
    });
    send(res, 200, { data: serializer(req).variable(variable, ws) });
  });
  api.delete('/workspaces/:id/vars/:varId', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const variable = variableOf(ws, req.params.varId as string);
    world.change(() => delete engine.state.vars[variable.id]);
    res.status(204).end();
  });

  // Configuration versions
  api.post('/workspaces/:id/configuration-versions', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const { attributes } = requestData(req.body ?? { data: {} }, 'configuration-versions');
    const autoQueueRuns = optionalAttribute(attributes, 'auto-queue-runs', 'boolean') ?? true;
    const speculative = optionalAttribute(attributes, 'speculative', 'boolean') ?? false;
    const { cv, uploadSecret } = engine.createConfigurationVersion(ws, autoQueueRuns, speculative);
    send(res, 201, { data: serializer(req).configurationVersion(cv, uploadSecret) });
  });
  api.get('/workspaces/:id/configuration-versions', (req, res) => {
    const ws = workspaceById(req.params.id as string);
    const items = Object.values(engine.state.configuration_versions)
      .filter((cv) => cv.workspace_id === ws.id)
      .reverse();
    const page = paginate(req, items);
    const s = serializer(req);
    send(res, 200, {
      data: page.page.map((cv) => s.configurationVersion(cv)),
      links: page.links,
      meta: page.meta,
    });
  });
  api.get('/configuration-versions/:id', (req, res) => {
    const cv = engine.state.configuration_versions[req.params.id as string];
    if (!cv) throw TfeError.notFound();
    send(res, 200, { data: serializer(req).configurationVersion(cv) });
  });

  // Runs
  const included = (req: Request, run: TfeRun): ResourceObject[] | undefined => {
    const include = req.query.include;
    if (include === undefined) return undefined;
    const s = serializer(req);
    const out: ResourceObject[] = [];
    for (const name of String(include).split(',').filter(Boolean)) {
      if (name === 'plan') out.push(s.plan(engine.state.plans[run.plan_id]!));
      else if (name === 'apply') out.push(s.apply(engine.state.applies[run.apply_id]!));
      else if (name === 'workspace') out.push(s.workspace(workspaceById(run.workspace_id)));
      else if (name === 'configuration_version') {
        const cv = engine.state.configuration_versions[run.configuration_version_id];
        if (cv) out.push(s.configurationVersion(cv));
      } else if (name === 'created_by') out.push(s.user());
      else if (name !== 'cost_estimate') throw TfeError.badRequest(`invalid include parameter: ${name}`);
    }
    return out;
  };

  api.post('/runs', (req, res) => {
    const { attributes, relationships } = requestData(req.body, 'runs');
    const workspaceId = relationshipId(relationships, 'workspace');
    if (!workspaceId) {
      throw TfeError.invalid('a workspace relationship is required', '/data/relationships/workspace');
    }
    const ws = workspaceById(workspaceId);
    const cvId =
      relationshipId(relationships, 'configuration-version') ?? ws.current_configuration_version_id;
    if (!cvId)
      throw TfeError.invalid(
        'the workspace has no uploaded configuration version',
        '/data/relationships/configuration-version',
      );
    const cv = engine.state.configuration_versions[cvId];
    if (!cv || cv.workspace_id !== ws.id) throw TfeError.notFound();
    if (cv.status !== 'uploaded') {
      throw TfeError.invalid(
        `Configuration version ${cv.id} is ${cv.status}; it must be uploaded before a run can use it`,
        '/data/relationships/configuration-version',
      );
    }
    const isDestroy = optionalAttribute(attributes, 'is-destroy', 'boolean') ?? false;
    const refreshOnly = optionalAttribute(attributes, 'refresh-only', 'boolean') ?? false;
    if (isDestroy && refreshOnly) {
      throw TfeError.invalid(
        'is-destroy and refresh-only cannot both be true',
        '/data/attributes/refresh-only',
      );
    }
    if (isDestroy && !ws.allow_destroy_plan) {
      throw TfeError.invalid(
        'destroy plans are not allowed on this workspace',
        '/data/attributes/is-destroy',
      );
    }
    const addrs = (key: string) => {
      const value = attributes[key];
      if (value === undefined || value === null) return null;
      if (!Array.isArray(value) || !value.every((a) => typeof a === 'string')) {
        throw TfeError.invalid(`${key} must be a list of resource addresses`, `/data/attributes/${key}`);
      }
      return value as string[];
    };
    const variables = attributes.variables ?? [];
    if (
      !Array.isArray(variables) ||
      !variables.every((v) => typeof v?.key === 'string' && typeof v?.value === 'string')
    ) {
      throw TfeError.invalid(
        'variables must be a list of {key, value} strings',
        '/data/attributes/variables',
      );
    }
    const run = engine.createRun({
      workspace: ws,
      configurationVersion: cv,
      message:
        optionalAttribute(attributes, 'message', 'string') ??
        'Queued manually via the Terraform Enterprise API',
      source: 'tfe-api',
      isDestroy,
      autoApply: optionalAttribute(attributes, 'auto-apply', 'boolean') ?? ws.auto_apply,
      planOnly: (optionalAttribute(attributes, 'plan-only', 'boolean') ?? false) || cv.speculative,
      refresh: optionalAttribute(attributes, 'refresh', 'boolean') ?? true,
      refreshOnly,
      targetAddrs: addrs('target-addrs'),
      replaceAddrs: addrs('replace-addrs'),
      variables: variables as { key: string; value: string }[],
    });
    send(res, 201, { data: serializer(req).run(run) });
  });

  api.get('/runs/:id', (req, res) => {
    const run = runById(req.params.id as string);
    const include = included(req, run);
    send(res, 200, { data: serializer(req).run(run), ...(include ? { included: include } : {}) });
  });

  const operationOf = (run: TfeRun) =>
    run.plan_only
      ? 'plan_only'
      : run.is_destroy
        ? 'destroy'
        : run.refresh_only
          ? 'refresh_only'
          : 'plan_and_apply';

  const listRuns = (req: Request, res: Response, runs: TfeRun[], withTotals: boolean) => {
    const q = req.query as Record<string, unknown>;
    const filter = (name: string) => {
      const value = q[`filter[${name}]`] ?? (q.filter as Record<string, unknown> | undefined)?.[name];
      return value === undefined ? undefined : String(value).split(',').filter(Boolean);
    };
    const search = q['search[basic]'] ?? (q.search as Record<string, unknown> | undefined)?.basic;
    const operations = filter('operation');
    const statuses = filter('status');
    const needle = search === undefined ? undefined : String(search).toLowerCase();
    const items = runs.filter(
      (r) =>
        (operations ? operations.includes(operationOf(r)) : !r.plan_only) &&
        (!statuses || statuses.includes(r.status)) &&
        (!needle || r.id.toLowerCase().includes(needle) || r.message.toLowerCase().includes(needle)),
    );
    const page = paginate(req, items, { withTotals });
    const s = serializer(req);
    send(res, 200, { data: page.page.map((r) => s.run(r)), links: page.links, meta: page.meta });
  };
  api.get('/workspaces/:id/runs', runListLimit, (req, res) => {
    const ws = workspaceById(req.params.id as string);
    listRuns(req, res, engine.runsOf(ws.id), true);
  });
  api.get('/organizations/:org/runs', runListLimit, (req, res) => {
    const org = organization(req.params.org as string).name;
    const ids = new Set(
      Object.values(engine.state.workspaces)
        .filter((w) => w.organization === org)
        .map((w) => w.id),
    );
    listRuns(
      req,
      res,
      Object.values(engine.state.runs)
        .filter((r) => ids.has(r.workspace_id))
        .reverse(),
      false,
    );
  });

  api.post('/runs/:id/actions/:action', (req, res) => {
    const run = runById(req.params.id as string);
    switch (req.params.action) {
      case 'apply':
        engine.applyRun(run);
        break;
      case 'discard':
        engine.discardRun(run);
        break;
      case 'cancel':
        engine.cancelRun(run);
        break;
      case 'force-cancel':
        throw TfeError.conflict(
          terminalRunStatuses.has(run.status)
            ? `transition not allowed: run is ${run.status}`
            : 'transition not allowed: force-cancel is available only after a cancel that did not finish',
        );
      default:
        throw TfeError.notFound();
    }
    res.status(202).end();
  });

  // Plans and applies
  api.get('/runs/:id/plan', (req, res) => {
    send(res, 200, {
      data: serializer(req).plan(engine.state.plans[runById(req.params.id as string).plan_id]!),
    });
  });
  api.get('/runs/:id/apply', (req, res) => {
    send(res, 200, {
      data: serializer(req).apply(engine.state.applies[runById(req.params.id as string).apply_id]!),
    });
  });
  api.get('/plans/:id', (req, res) => {
    const phase = engine.state.plans[req.params.id as string];
    if (!phase) throw TfeError.notFound();
    send(res, 200, { data: serializer(req).plan(phase) });
  });
  api.get('/applies/:id', (req, res) => {
    const phase = engine.state.applies[req.params.id as string];
    if (!phase) throw TfeError.notFound();
    send(res, 200, { data: serializer(req).apply(phase) });
  });

  // State versions and outputs
  const currentState = (ws: TfeWorkspace) => {
    const sv = ws.current_state_version_id
      ? engine.state.state_versions[ws.current_state_version_id]
      : undefined;
    if (!sv) throw TfeError.notFound();
    return sv;
  };
  const outputsOf = (svId: string) =>
    Object.values(engine.state.state_version_outputs).filter((o) => o.state_version_id === svId);
  api.get('/workspaces/:id/current-state-version', (req, res) => {
    const sv = currentState(workspaceById(req.params.id as string));
    const s = serializer(req);
    const include = String(req.query.include ?? '').split(',');
    send(res, 200, {
      data: s.stateVersion(sv),
      ...(include.includes('outputs') ? { included: outputsOf(sv.id).map((o) => s.output(o, false)) } : {}),
    });
  });
  api.get('/workspaces/:id/current-state-version-outputs', (req, res) => {
    const sv = currentState(workspaceById(req.params.id as string));
    const s = serializer(req);
    const page = paginate(req, outputsOf(sv.id));
    send(res, 200, { data: page.page.map((o) => s.output(o, false)), links: page.links, meta: page.meta });
  });
  // https://developer.hashicorp.com/terraform/cloud-docs/api-docs/state-versions#list-state-versions-for-a-workspace
  api.get('/state-versions', (req, res) => {
    const q = req.query as Record<string, unknown>;
    const filter = (scope: string) => {
      const value = q[`filter[${scope}][name]`];
      if (typeof value !== 'string' || value === '')
        throw TfeError.badRequest(`filter[${scope}][name] is required`);
      return value;
    };
    const workspace = workspaceByName(filter('organization'), filter('workspace'));
    const versions = Object.values(engine.state.state_versions)
      .filter((sv) => sv.workspace_id === workspace.id)
      .sort((a, b) => b.serial - a.serial);
    const s = serializer(req);
    const page = paginate(req, versions);
    send(res, 200, { data: page.page.map((sv) => s.stateVersion(sv)), links: page.links, meta: page.meta });
  });
  api.get('/state-versions/:id', (req, res) => {
    const sv = engine.state.state_versions[req.params.id as string];
    if (!sv) throw TfeError.notFound();
    send(res, 200, { data: serializer(req).stateVersion(sv) });
  });
  api.get('/state-versions/:id/outputs', (req, res) => {
    const sv = engine.state.state_versions[req.params.id as string];
    if (!sv) throw TfeError.notFound();
    const s = serializer(req);
    const page = paginate(req, outputsOf(sv.id));
    send(res, 200, { data: page.page.map((o) => s.output(o, false)), links: page.links, meta: page.meta });
  });
  api.get('/state-version-outputs/:id', (req, res) => {
    const output = engine.state.state_version_outputs[req.params.id as string];
    if (!output) throw TfeError.notFound();
    send(res, 200, { data: serializer(req).output(output, true) });
  });

  api.use(() => {
    throw TfeError.notFound();
  });

  app.use('/api/v2', api);

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof TfeError) {
      send(res, err.httpStatus, { errors: err.errors });
      return;
    }
    if (err instanceof z.ZodError) {
      res.status(400).json({ error: 'invalid admin request', issues: err.issues });
      return;
    }
    const typed = err as { type?: string; status?: number; message?: string };
    if (typed.type === 'entity.parse.failed' || typed.type === 'entity.too.large') {
      send(res, typed.status ?? 400, {
        errors: [{ status: String(typed.status ?? 400), title: 'bad request', detail: typed.message }],
      });
      return;
    }
    ctx.log.error({ err }, 'tfe simulator error');
    send(res, 500, { errors: [{ status: '500', title: 'internal server error' }] });
  });
  app.use((_req, res) => {
    send(res, 404, { errors: [{ status: '404', title: 'not found' }] });
  });

  return { app, engine };
}
