/**
 * The AWX simulator's HTTP API (`/api/v2/`, trailing slashes required), as awxkit and the `awx`
 * CLI drive it: the anonymous API roots, session log-in at `/api/login/` (with Django's CSRF
 * rules), token and Basic auth, OPTIONS metadata with the `Allow` header on every endpoint,
 * paginated and filterable lists, users and personal tokens, job templates with the launch
 * prompt rules (unprompted fields are dropped and echoed in `ignored_fields`, the documented
 * trap), jobs with their status lifecycle, events, stdout, cancel, relaunch and delete, and the
 * unified job and job template lists. Every `related` link an object advertises is served.
 * See ../../../shared/reference/awx-api.md and docs/end-systems.md.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import YAML from 'yaml';
import { createSimulatorApp, type SimulatorContext } from '../common';
import type { AwxJob, AwxJobTemplate } from '../world';
import {
  AwxAuthError,
  SESSION_COOKIE,
  USER_ID,
  authenticate,
  closeSession,
  csrfValid,
  ensureCsrfCookie,
  issueToken,
  listTokens,
  openSession,
  requirePrincipal,
  revokeToken,
  validLogin,
  type Principal,
} from './auth';
import { eventsOf, findEvent } from './events';
import { JobRunner, parseVars, type LaunchValues } from './jobs';
import { ListQueryError, listPage } from './list';
import { launchFields, metadata, relaunchFields, tokenFields, type EndpointMeta } from './metadata';
import {
  cancelableStatuses,
  finishedStatuses,
  serializeInventory,
  serializeJob,
  serializeJobListItem,
  serializeJobTemplate,
  serializeOrganization,
  serializeProject,
  serializeToken,
  serializeUser,
} from './serializers';

/** An AWX error answer: DRF's `{"detail": ...}` or a field -> messages object. */
class AwxError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.detail === 'string' ? body.detail : JSON.stringify(body));
  }
}

const notFound = () => new AwxError(404, { detail: 'Not found.' });

/** Fields a launch may carry, with the template flag that must allow each. */
const promptable: Array<[field: string, flag: keyof AwxJobTemplate | null]> = [
  ['limit', 'ask_limit_on_launch'],
  ['inventory', 'ask_inventory_on_launch'],
  ['job_type', 'ask_job_type_on_launch'],
  ['verbosity', 'ask_verbosity_on_launch'],
  ['job_tags', 'ask_tags_on_launch'],
  ['skip_tags', 'ask_skip_tags_on_launch'],
  ['diff_mode', 'ask_diff_mode_on_launch'],
  ['credentials', 'ask_credential_on_launch'],
  ['credential_passwords', 'ask_credential_on_launch'],
  ['scm_branch', null],
  ['execution_environment', null],
  ['labels', null],
  ['forks', null],
  ['job_slice_count', null],
  ['timeout', null],
  ['instance_groups', null],
];

/** The template's current value of a promptable field (identical values are neither accepted nor ignored). */
function templateValue(t: AwxJobTemplate, field: string): unknown {
  const values: Record<string, unknown> = {
    limit: t.limit,
    inventory: t.inventory,
    job_type: t.job_type,
    verbosity: t.verbosity,
    job_tags: '',
    skip_tags: '',
    diff_mode: false,
  };
  return values[field];
}

function parseExtraVars(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = YAML.parse(raw) as unknown;
    } catch (err) {
      throw new AwxError(400, {
        extra_vars: [`Cannot parse as JSON (error: ${(err as Error).message}) or YAML.`],
      });
    }
    if (value === null || value === undefined) return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AwxError(400, {
      extra_vars: [`Input type \`${Array.isArray(value) ? 'list' : typeof value}\` is not a dictionary`],
    });
  }
  return value as Record<string, unknown>;
}

/** Builds the AWX simulator's Express app and its job runner. */
export function createAwxApp(ctx: SimulatorContext) {
  const { world } = ctx;
  const runner = new JobRunner(world);
  const app = createSimulatorApp({
    system: 'awx',
    ctx,
    strictRouting: true,
    faultBody: (status, message) =>
      status >= 500
        ? {
            contentType: 'text/html',
            body: `<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center><hr><center>nginx</center><!-- ${message} --></body></html>`,
          }
        : {
            contentType: 'application/json',
            body: JSON.stringify({ detail: status === 429 ? 'Request was throttled.' : message }),
          },
  });
  const now = () => world.now();
  const state = () => world.state;

  const findTemplate = (ref: string): AwxJobTemplate => {
    const templates = Object.values(state().awx.job_templates);
    if (/^\d+$/.test(ref)) {
      const t = state().awx.job_templates[ref];
      if (!t) throw notFound();
      return t;
    }
    // Named URL: <name>++<organization name>, `[+]` standing for a literal plus.
    const [name, org] = ref.split('++').map((p) => p.replace(/\[\+\]/g, '+'));
    const t = templates.find(
      (x) => x.name === name && state().awx.organizations[String(x.organization)]?.name === org,
    );
    if (!t) throw notFound();
    return t;
  };
  const findJob = (ref: string) => {
    const job = /^\d+$/.test(ref) ? state().awx.jobs[ref] : undefined;
    if (!job) throw notFound();
    return job;
  };
  const username = () => ctx.credentials.awx.username;
  const findOrganization = (ref: string) => {
    const org = /^\d+$/.test(ref)
      ? state().awx.organizations[ref]
      : Object.values(state().awx.organizations).find((o) => o.name === ref);
    if (!org) throw notFound();
    return org;
  };
  const findInventory = (ref: string) => {
    const inventory = /^\d+$/.test(ref) ? state().awx.inventories[ref] : undefined;
    if (!inventory) throw notFound();
    return inventory;
  };
  const findProject = (ref: string) => {
    const project = /^\d+$/.test(ref) ? state().awx.projects[ref] : undefined;
    if (!project) throw notFound();
    return project;
  };
  /** The user named by id or by username (AWX's named URL for users). */
  const findUser = (ref: string) => {
    if (ref !== String(USER_ID) && ref !== username()) throw notFound();
    return serializeUser(username(), state().created_at);
  };
  const sendList = (req: Request, res: Response, items: Record<string, unknown>[], list: ListSpec) => {
    res.json(
      listPage(items, req.query as Record<string, unknown>, req.baseUrl + req.path, {
        model: list.model,
        sample: list.sample() ?? {},
        searchFields: list.searchFields,
      }),
    );
  };

  /** A list endpoint's model: its name in errors, an object to describe and filter against. */
  interface ListSpec {
    model: string;
    sample: () => Record<string, unknown> | undefined;
    searchFields?: string[];
  }
  type Handler = (req: Request, res: Response, principal: Principal) => void;

  const api = express.Router({ strict: true });

  /**
   * Serves `path` as a DRF view: credentials required, the `Allow` header on every answer,
   * OPTIONS answered with the view's metadata (whether or not the object exists, as the CLI's
   * probes of `/…/1/` rely on), other methods 405.
   */
  const route = (
    path: string,
    meta: EndpointMeta,
    handlers: { get?: Handler; post?: Handler; delete?: Handler },
  ) => {
    const methods = (['get', 'post', 'delete'] as const).filter((m) => handlers[m]);
    const allow = [...methods.map((m) => m.toUpperCase()), ...(handlers.get ? ['HEAD'] : []), 'OPTIONS'].join(
      ', ',
    );
    api.all(path, (req, res) => {
      res.set('Allow', allow);
      const principal = requirePrincipal(ctx, req);
      if (req.method === 'OPTIONS') return void res.json(metadata(meta));
      const method = req.method === 'HEAD' ? 'get' : (req.method.toLowerCase() as 'get' | 'post' | 'delete');
      const handler = handlers[method];
      if (!handler) throw new AwxError(405, { detail: `Method "${req.method}" not allowed.` });
      handler(req, res, principal);
    });
  };
  /** A list view, optionally with a POST that creates. */
  const listRoute = (
    path: string,
    meta: Omit<EndpointMeta, 'sample' | 'list'>,
    list: ListSpec,
    items: (req: Request) => Record<string, unknown>[],
    post?: Handler,
  ) =>
    route(
      path,
      { ...meta, sample: list.sample, list: true, searchFields: list.searchFields },
      { get: (req, res) => sendList(req, res, items(req), list), ...(post ? { post } : {}) },
    );
  /** A read-only detail view. */
  const detailRoute = (path: string, meta: EndpointMeta, read: (req: Request) => Record<string, unknown>) =>
    route(path, meta, { get: (req, res) => void res.json(read(req)) });

  // ---- the API roots, ping and the session log-in: no credentials needed ----------------------
  api.get('/api/', (req, res) => {
    authenticate(ctx, req);
    ensureCsrfCookie(req, res);
    res.json({
      description: 'AWX REST API',
      current_version: '/api/v2/',
      available_versions: { v2: '/api/v2/' },
      custom_logo: '',
      custom_login_info: '',
      login_redirect_override: '',
    });
  });
  api.get('/api/v2/', (req, res) => {
    authenticate(ctx, req);
    res.json({
      ping: '/api/v2/ping/',
      me: '/api/v2/me/',
      users: '/api/v2/users/',
      organizations: '/api/v2/organizations/',
      tokens: '/api/v2/tokens/',
      inventory: '/api/v2/inventories/',
      projects: '/api/v2/projects/',
      job_templates: '/api/v2/job_templates/',
      jobs: '/api/v2/jobs/',
      unified_job_templates: '/api/v2/unified_job_templates/',
      unified_jobs: '/api/v2/unified_jobs/',
    });
  });
  api.get('/api/v2/ping/', (_req, res) => {
    res.json({
      ha: false,
      version: '24.6.1',
      active_node: 'awx-sim-node',
      install_uuid: '00000000-0000-4000-8000-000000000001',
      instances: [
        {
          node: 'awx-sim-node',
          node_type: 'hybrid',
          uuid: '00000000-0000-4000-8000-000000000002',
          heartbeat: new Date(now()).toISOString(),
          capacity: 100,
          version: '24.6.1',
        },
      ],
      instance_groups: [{ name: 'default', capacity: 100, instances: ['awx-sim-node'] }],
    });
  });

  const loginPage = (csrf: string, next: string, error?: string) =>
    [
      '<!DOCTYPE html><html><head><title>Log in | AWX REST API</title></head><body>',
      error ? `<p class="text-error">${escapeHtml(error)}</p>` : '',
      '<form action="/api/login/" method="post">',
      `<input type="hidden" name="csrfmiddlewaretoken" value="${escapeHtml(csrf)}">`,
      '<input type="text" name="username"><input type="password" name="password">',
      `<input type="hidden" name="next" value="${escapeHtml(next)}">`,
      '<button type="submit">Log in</button></form></body></html>',
    ].join('');
  /** Django redirects only to a path on this host after log-in. */
  const safeNext = (next: unknown) =>
    typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\')
      ? next
      : '/api/';
  api.get('/api/login/', (req, res) => {
    const csrf = ensureCsrfCookie(req, res);
    res.type('text/html').send(loginPage(csrf, safeNext(req.query.next)));
  });
  api.post('/api/login/', express.urlencoded({ extended: false }), (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (!csrfValid(req)) {
      res
        .status(403)
        .type('text/html')
        .send('<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>');
      return;
    }
    const next = safeNext(form.next);
    if (
      typeof form.username !== 'string' ||
      typeof form.password !== 'string' ||
      !validLogin(ctx, form.username, form.password)
    ) {
      const csrf = ensureCsrfCookie(req, res);
      res
        .status(401)
        .type('text/html')
        .send(
          loginPage(
            csrf,
            next,
            'Please enter a correct username and password. Note that both fields may be case-sensitive.',
          ),
        );
      return;
    }
    const session = openSession(ctx);
    res.cookie(SESSION_COOKIE, session, { path: '/', httpOnly: true, sameSite: 'lax', encode: String });
    res.cookie('userLoggedIn', 'true', { path: '/', sameSite: 'lax' });
    // Django rotates the CSRF token when a user logs in.
    ensureCsrfCookie(req, res, true);
    res.set('X-API-Session-Cookie-Name', SESSION_COOKIE).redirect(302, next);
  });
  const logout = (req: Request, res: Response) => {
    closeSession(ctx, req);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.cookie('userLoggedIn', 'false', { path: '/' });
    res.redirect(302, '/api/');
  };
  api.get('/api/logout/', logout);
  api.post('/api/logout/', express.urlencoded({ extended: false }), logout);

  // ---- users and tokens --------------------------------------------------------------------
  const userList: ListSpec = {
    model: 'User',
    sample: () => serializeUser(username(), state().created_at),
    searchFields: ['username', 'first_name', 'last_name', 'email'],
  };
  listRoute(
    '/api/v2/me/',
    { name: 'Me', description: 'The user making the request.', types: ['user'] },
    userList,
    () => [serializeUser(username(), state().created_at)],
  );
  listRoute('/api/v2/users/', { name: 'User List', description: 'Users.', types: ['user'] }, userList, () => [
    serializeUser(username(), state().created_at),
  ]);
  detailRoute(
    '/api/v2/users/:ref/',
    { name: 'User Detail', description: 'A user.', types: ['user'], sample: userList.sample },
    (req) => findUser(req.params.ref as string),
  );

  const tokenList: ListSpec = {
    model: 'OAuth2AccessToken',
    sample: () =>
      serializeToken({ id: 0, description: '', scope: 'write', created: '', expires: '' }, username()),
    searchFields: ['description'],
  };
  const tokens = () => listTokens(ctx).map((t) => serializeToken(t, username()));
  const createToken: Handler = (req, res) => {
    const body = (req.body ?? {}) as { description?: unknown; scope?: unknown; application?: unknown };
    const scope = body.scope ?? 'write';
    if (scope !== 'read' && scope !== 'write')
      throw new AwxError(400, { scope: [`"${String(scope)}" is not a valid choice.`] });
    if (body.application !== undefined && body.application !== null)
      throw new AwxError(400, {
        application: [`Invalid pk "${String(body.application)}" - object does not exist.`],
      });
    const issued = issueToken(ctx, typeof body.description === 'string' ? body.description : '', scope);
    res
      .status(201)
      .location(`/api/v2/tokens/${issued.id}/`)
      .json({ ...serializeToken(issued, username()), token: issued.token });
  };
  const tokenMeta = {
    name: 'OAuth2 Token List',
    description: 'Personal access tokens.',
    types: ['o_auth2_access_token'],
    post: tokenFields,
  };
  listRoute('/api/v2/tokens/', tokenMeta, tokenList, tokens, createToken);
  for (const sub of ['tokens', 'personal_tokens']) {
    listRoute(
      `/api/v2/users/:ref/${sub}/`,
      { ...tokenMeta, name: sub === 'tokens' ? 'OAuth2 User Tokens' : 'Personal Access Tokens' },
      tokenList,
      (req) => (findUser(req.params.ref as string), tokens()),
      (req, res, principal) => {
        findUser(req.params.ref as string);
        createToken(req, res, principal);
      },
    );
  }
  const findToken = (ref: string) => {
    const token = listTokens(ctx).find((t) => String(t.id) === ref);
    if (!token) throw notFound();
    return token;
  };
  route(
    '/api/v2/tokens/:id/',
    {
      name: 'OAuth2 Token Detail',
      description: 'A personal access token.',
      types: ['o_auth2_access_token'],
      sample: tokenList.sample,
    },
    {
      get: (req, res) => void res.json(serializeToken(findToken(req.params.id as string), username())),
      delete: (req, res) => {
        revokeToken(ctx, findToken(req.params.id as string).id);
        res.status(204).end();
      },
    },
  );

  // ---- organizations, inventories, projects, job templates: a list and a detail view each ----
  /**
   * One AWX model: its objects, how each is serialised and found (by id, or by the named URL),
   * giving its list view, its detail view and the list spec its sublists reuse.
   */
  const model = <T extends { id: number }>(spec: {
    plural: string;
    label: string;
    type: string;
    all: () => T[];
    serialize: (item: T) => Record<string, unknown>;
    find: (ref: string) => T;
  }) => {
    const list = {
      ...spec,
      model: spec.label.replace(/ /g, ''),
      sample: () => spec.all().map(spec.serialize)[0],
    };
    const meta = { name: `${spec.label} List`, description: `${spec.label}s.`, types: [spec.type] };
    listRoute(`/api/v2/${spec.plural}/`, meta, list, () => spec.all().map(spec.serialize));
    detailRoute(
      `/api/v2/${spec.plural}/:ref/`,
      { ...meta, name: `${spec.label} Detail`, sample: list.sample },
      (req) => spec.serialize(spec.find(req.params.ref as string)),
    );
    return list;
  };
  /** `/api/v2/organizations/{ref}/<plural>/`: the model's objects in that organization. */
  const ofOrganization = <T extends { id: number; organization: number }>(
    of: ReturnType<typeof model<T>>,
    label: string,
  ) =>
    listRoute(
      `/api/v2/organizations/:ref/${of.plural}/`,
      { name: `Organization ${label}`, description: `${label} of an organization.`, types: [of.type] },
      of,
      (req) => {
        const org = findOrganization(req.params.ref as string);
        return of
          .all()
          .filter((x) => x.organization === org.id)
          .map(of.serialize);
      },
    );
  model({
    plural: 'organizations',
    label: 'Organization',
    type: 'organization',
    all: () => Object.values(state().awx.organizations),
    serialize: serializeOrganization,
    find: findOrganization,
  });
  const templates = model({
    plural: 'job_templates',
    label: 'Job Template',
    type: 'job_template',
    all: () => Object.values(state().awx.job_templates),
    serialize: (t) => serializeJobTemplate(t, state()),
    find: findTemplate,
  });
  ofOrganization(templates, 'Job Templates');
  ofOrganization(
    model({
      plural: 'inventories',
      label: 'Inventory',
      type: 'inventory',
      all: () => Object.values(state().awx.inventories),
      serialize: (i) => serializeInventory(i, state()),
      find: findInventory,
    }),
    'Inventories',
  );
  ofOrganization(
    model({
      plural: 'projects',
      label: 'Project',
      type: 'project',
      all: () => Object.values(state().awx.projects),
      serialize: (p) => serializeProject(p, state()),
      find: findProject,
    }),
    'Projects',
  );
  listRoute(
    '/api/v2/unified_job_templates/',
    {
      name: 'Unified Job Template List',
      description: 'Every kind of job template.',
      types: ['job_template'],
    },
    templates,
    () => templates.all().map(templates.serialize),
  );
  route(
    '/api/v2/projects/:ref/playbooks/',
    { name: 'Project Playbooks', description: 'The playbooks a project offers.' },
    { get: (req, res) => void res.json(findProject(req.params.ref as string).playbooks) },
  );

  // ---- jobs of a template, launch ------------------------------------------------------------
  const jobList: ListSpec = {
    model: 'Job',
    sample: () => jobSample(),
    searchFields: ['name', 'description'],
  };
  listRoute(
    '/api/v2/job_templates/:ref/jobs/',
    { name: 'Job Template Jobs List', description: 'Jobs of a job template.', types: ['job'] },
    jobList,
    (req) => {
      const t = findTemplate(req.params.ref as string);
      return Object.values(state().awx.jobs)
        .filter((j) => j.job_template === t.id)
        .map((j) => serializeJobListItem(j, state(), now(), username()));
    },
  );
  route(
    '/api/v2/job_templates/:ref/launch/',
    { name: 'Job Template Launch', description: 'Launches a job from the template.', post: launchFields },
    {
      get: (req, res) => void res.json(launchPreview(findTemplate(req.params.ref as string))),
      post: (req, res) => {
        const t = findTemplate(req.params.ref as string);
        const { values, ignored } = launchValues(t, req.body);
        const job = runner.launch(t, values);
        res
          .status(201)
          .location(`/api/v2/jobs/${job.id}/`)
          .json({ job: job.id, ignored_fields: ignored, ...serializeJob(job, state(), now(), username()) });
      },
    },
  );

  // ---- jobs --------------------------------------------------------------------------------
  const jobMeta = { name: 'Job List', description: 'Jobs.', types: ['job'] };
  const jobItems = () =>
    Object.values(state().awx.jobs).map((j) => serializeJobListItem(j, state(), now(), username()));
  listRoute('/api/v2/jobs/', jobMeta, jobList, jobItems);
  listRoute(
    '/api/v2/unified_jobs/',
    { name: 'Unified Job List', description: 'Every kind of job.', types: ['job'] },
    jobList,
    jobItems,
  );
  route(
    '/api/v2/jobs/:id/',
    {
      ...jobMeta,
      name: 'Job Detail',
      sample: () => serializeJob(jobSampleRecord(), state(), now(), username()),
    },
    {
      get: (req, res) =>
        void res.json(serializeJob(findJob(req.params.id as string), state(), now(), username())),
      delete: (req, res) => {
        const job = findJob(req.params.id as string);
        if (!finishedStatuses.has(job.status))
          throw new AwxError(403, { detail: 'Cannot delete running job resource.' });
        world.change((s) => delete s.awx.jobs[String(job.id)]);
        res.status(204).end();
      },
    },
  );
  route(
    '/api/v2/jobs/:id/stdout/',
    { name: 'Job Stdout', description: 'The output of a job.' },
    {
      get: (req, res) => sendStdout(req, res, findJob(req.params.id as string)),
    },
  );
  route(
    '/api/v2/jobs/:id/cancel/',
    { name: 'Job Cancel', description: 'Cancels a job.', post: {} },
    {
      get: (req, res) =>
        void res.json({ can_cancel: cancelableStatuses.has(findJob(req.params.id as string).status) }),
      post: (req, res) => {
        const job = findJob(req.params.id as string);
        if (!runner.cancel(job.id)) throw new AwxError(405, { detail: 'Method "POST" not allowed.' });
        res.status(202).end();
      },
    },
  );
  route(
    '/api/v2/jobs/:id/relaunch/',
    { name: 'Job Relaunch', description: 'Launches the job again with its values.', post: relaunchFields },
    {
      get: (req, res) => {
        const job = findJob(req.params.id as string);
        res.json({
          passwords_needed_to_start: [],
          retry_counts: { all: 1, failed: job.status === 'failed' ? 1 : 0 },
        });
      },
      post: (req, res) => {
        const original = findJob(req.params.id as string);
        const body = (req.body ?? {}) as { hosts?: unknown };
        const hosts = body.hosts ?? 'all';
        if (hosts !== 'all' && hosts !== 'failed')
          throw new AwxError(400, { hosts: [`"${String(hosts)}" is not a valid choice.`] });
        if (hosts === 'failed' && original.status !== 'failed')
          throw new AwxError(400, { hosts: ['No failed hosts found for this job.'] });
        const template = state().awx.job_templates[String(original.job_template)];
        if (!template) throw new AwxError(400, { detail: 'Job Template is missing or undefined.' });
        const job = runner.launch(template, {
          extra_vars: parseVars(original.extra_vars),
          limit: original.limit,
          ...(original.inventory === null ? {} : { inventory: original.inventory }),
          job_type: original.job_type === 'check' ? 'check' : 'run',
          verbosity: original.verbosity,
          launch_type: 'relaunch',
        });
        res
          .status(201)
          .location(`/api/v2/jobs/${job.id}/`)
          .json({ ...serializeJob(job, state(), now(), username()), job: job.id });
      },
    },
  );
  const eventList: ListSpec = {
    model: 'JobEvent',
    sample: () => eventSample(),
    searchFields: ['stdout'],
  };
  const eventMeta = {
    name: 'Job Job Events List',
    description: 'The events of a job.',
    types: ['job_event'],
  };
  listRoute('/api/v2/jobs/:id/job_events/', eventMeta, eventList, (req) => {
    const job = findJob(req.params.id as string);
    return eventsOf(job, state());
  });
  const findEventOf = (ref: string) => {
    const found = /^\d+$/.test(ref) ? findEvent(Number(ref), state()) : undefined;
    if (!found) throw notFound();
    return found;
  };
  detailRoute(
    '/api/v2/job_events/:id/',
    { ...eventMeta, name: 'Job Event Detail', sample: eventList.sample },
    (req) => findEventOf(req.params.id as string).event,
  );
  listRoute(
    '/api/v2/job_events/:id/children/',
    { ...eventMeta, name: 'Job Event Children List' },
    eventList,
    (req) => {
      const { job, event } = findEventOf(req.params.id as string);
      return eventsOf(job, state()).filter((e) => e.parent_uuid === event.uuid);
    },
  );

  app.use(api);
  app.use(() => {
    throw notFound();
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AwxError) return void res.status(err.status).json(err.body);
    if (err instanceof AwxAuthError) {
      if (err.challenge) res.set('WWW-Authenticate', err.challenge);
      return void res.status(err.status).json({ detail: err.message });
    }
    if (err instanceof ListQueryError) return void res.status(err.status).json({ detail: err.message });
    if ((err as { type?: string })?.type === 'entity.parse.failed') {
      return void res.status(400).json({ detail: `JSON parse error - ${(err as Error).message}` });
    }
    ctx.log.error({ err }, 'awx simulator failed');
    res.status(500).json({ detail: 'A server error has occurred.' });
  });
  return { app, runner };

  /** What `GET /job_templates/{id}/launch/` tells a client before it launches. */
  function launchPreview(t: AwxJobTemplate) {
    return {
      can_start_without_user_input: t.inventory !== null,
      passwords_needed_to_start: [],
      ask_scm_branch_on_launch: false,
      ask_variables_on_launch: t.ask_variables_on_launch,
      ask_tags_on_launch: t.ask_tags_on_launch,
      ask_diff_mode_on_launch: t.ask_diff_mode_on_launch,
      ask_skip_tags_on_launch: t.ask_skip_tags_on_launch,
      ask_job_type_on_launch: t.ask_job_type_on_launch,
      ask_limit_on_launch: t.ask_limit_on_launch,
      ask_verbosity_on_launch: t.ask_verbosity_on_launch,
      ask_inventory_on_launch: t.ask_inventory_on_launch,
      ask_credential_on_launch: t.ask_credential_on_launch,
      ask_execution_environment_on_launch: false,
      ask_labels_on_launch: false,
      ask_forks_on_launch: false,
      ask_job_slice_count_on_launch: false,
      ask_timeout_on_launch: false,
      ask_instance_groups_on_launch: false,
      survey_enabled: t.survey_enabled,
      variables_needed_to_start: [],
      credential_needed_to_start: false,
      inventory_needed_to_start: t.inventory === null,
      job_template_data: { name: t.name, id: t.id, description: t.description },
      defaults: {
        extra_vars: t.extra_vars,
        diff_mode: false,
        limit: t.limit,
        job_tags: '',
        skip_tags: '',
        job_type: t.job_type,
        verbosity: t.verbosity,
        inventory:
          t.inventory === null
            ? { name: null, id: null }
            : { name: state().awx.inventories[String(t.inventory)]?.name, id: t.inventory },
        scm_branch: '',
      },
    };
  }

  /** A launch body under the template's prompt rules: what is accepted and what is ignored. */
  function launchValues(t: AwxJobTemplate, raw: unknown) {
    if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new AwxError(400, { detail: 'JSON parse error - expected an object.' });
    }
    const body: Record<string, unknown> = raw ? { ...(raw as object) } : {};
    if ('inventory_id' in body && !('inventory' in body)) body.inventory = body.inventory_id;
    delete body.inventory_id;

    const ignored: Record<string, unknown> = {};
    const values: LaunchValues = { extra_vars: {} };
    const vars = parseExtraVars(body.extra_vars);
    if (Object.keys(vars).length > 0) {
      if (t.ask_variables_on_launch) values.extra_vars = vars;
      else ignored.extra_vars = vars;
    }
    for (const [field, flag] of promptable) {
      if (!(field in body)) continue;
      const value = body[field];
      if (JSON.stringify(value) === JSON.stringify(templateValue(t, field))) continue;
      if (!flag || !t[flag]) {
        ignored[field] = value;
        continue;
      }
      if (field === 'inventory') {
        if (!state().awx.inventories[String(value)])
          throw new AwxError(400, { inventory: [`Invalid pk "${String(value)}" - object does not exist.`] });
        values.inventory = Number(value);
      } else if (field === 'limit') values.limit = String(value);
      else if (field === 'job_type') {
        if (value !== 'run' && value !== 'check')
          throw new AwxError(400, { job_type: [`"${String(value)}" is not a valid choice.`] });
        values.job_type = value;
      } else if (field === 'verbosity') {
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 5)
          throw new AwxError(400, { verbosity: [`"${String(value)}" is not a valid choice.`] });
        values.verbosity = value as number;
      }
    }
    if (t.inventory === null && values.inventory === undefined) {
      throw new AwxError(400, {
        resources_needed_to_start: ['Job Template inventory is missing or undefined.'],
      });
    }
    return { values, ignored };
  }

  /** `GET /jobs/{id}/stdout/` in the asked `format` (awx jobs stdout asks for txt_download). */
  function sendStdout(req: Request, res: Response, job: AwxJob) {
    const format = typeof req.query.format === 'string' ? req.query.format : 'json';
    const text = job.stdout;
    switch (format) {
      case 'txt':
      case 'ansi':
        res.type('text/plain').send(text);
        return;
      case 'txt_download':
      case 'ansi_download':
        res.type('text/plain').attachment(`job_${job.id}.txt`).send(text);
        return;
      case 'html':
        res.type('text/html').send(`<!DOCTYPE html><html><body><pre>${escapeHtml(text)}</pre></body></html>`);
        return;
      case 'json': {
        const lines = text.split('\n');
        const start = Number(req.query.start_line ?? 0) || 0;
        const end = req.query.end_line === undefined ? lines.length : Number(req.query.end_line);
        const content = lines.slice(start, end).join('\n');
        res.json({
          range: { start, end: Math.min(end, lines.length), absolute_end: lines.length },
          content:
            req.query.content_encoding === 'base64' ? Buffer.from(content).toString('base64') : content,
        });
        return;
      }
      default:
        throw notFound();
    }
  }

  /** A job that exists only to describe the job fields (lists may be empty). */
  function jobSampleRecord(stdout = ''): AwxJob {
    return {
      id: 0,
      name: '',
      job_template: 0,
      inventory: null,
      project: 0,
      playbook: '',
      organization: 0,
      job_type: 'run',
      launch_type: 'manual',
      limit: '',
      verbosity: 0,
      extra_vars: '',
      status: 'running',
      job_explanation: '',
      created: '',
      modified: '',
      started: null,
      finished: null,
      canceled_on: null,
      artifacts: {},
      stdout,
      next_transition_at: null,
      cancel_requested: false,
    };
  }

  function jobSample() {
    return serializeJobListItem(jobSampleRecord(), state(), now(), username());
  }

  function eventSample() {
    return eventsOf(jobSampleRecord('TASK [sample] ***\nok: [localhost]\n'), state()).at(-1);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
