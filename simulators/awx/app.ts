/**
 * The AWX simulator's HTTP API (`/api/v2/`, trailing slashes required): token or Basic auth,
 * paginated and filterable lists, job templates with the launch prompt rules (unprompted
 * fields are dropped and echoed in `ignored_fields`, the documented trap), jobs with their
 * status lifecycle, stdout and cancel. See ../../../shared/reference/awx-api.md.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import YAML from 'yaml';
import { createSimulatorApp, type SimulatorContext } from '../common';
import type { AwxJobTemplate } from '../world';
import { issueToken, requireAuth } from './auth';
import { JobRunner, type LaunchValues } from './jobs';
import { ListQueryError, listPage } from './list';
import {
  cancelableStatuses,
  serializeInventory,
  serializeJob,
  serializeJobListItem,
  serializeJobTemplate,
  serializeOrganization,
  serializeProject,
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
  const sendList = (
    req: Request,
    res: Response,
    items: Record<string, unknown>[],
    model: string,
    sample: Record<string, unknown>,
  ) => {
    res.json(
      listPage(items, req.query as Record<string, unknown>, req.baseUrl + req.path, { model, sample }),
    );
  };

  const api = express.Router({ strict: true });
  api.get('/api/', (_req, res) => {
    res.json({
      description: 'AWX REST API',
      current_version: '/api/v2/',
      available_versions: { v2: '/api/v2/' },
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

  api.use('/api/v2/', requireAuth(ctx));
  api.get('/api/v2/', (_req, res) => {
    res.json({
      ping: '/api/v2/ping/',
      me: '/api/v2/me/',
      organizations: '/api/v2/organizations/',
      inventory: '/api/v2/inventories/',
      projects: '/api/v2/projects/',
      job_templates: '/api/v2/job_templates/',
      jobs: '/api/v2/jobs/',
      tokens: '/api/v2/tokens/',
    });
  });
  api.get('/api/v2/me/', (_req, res) => {
    res.json({
      count: 1,
      next: null,
      previous: null,
      results: [
        {
          id: 1,
          type: 'user',
          url: '/api/v2/users/1/',
          username: ctx.credentials.awx.username,
          is_superuser: true,
        },
      ],
    });
  });
  api.post('/api/v2/tokens/', (req, res) => {
    const body = (req.body ?? {}) as { description?: unknown; scope?: unknown };
    const scope = body.scope ?? 'write';
    if (scope !== 'read' && scope !== 'write')
      throw new AwxError(400, { scope: [`"${String(scope)}" is not a valid choice.`] });
    const issued = issueToken(ctx, typeof body.description === 'string' ? body.description : '', scope);
    res.status(201).json({
      id: issued.id,
      type: 'o_auth2_access_token',
      url: `/api/v2/tokens/${issued.id}/`,
      description: issued.description,
      user: 1,
      token: issued.token,
      refresh_token: null,
      application: null,
      expires: issued.expires,
      scope: issued.scope,
      created: issued.created,
      modified: issued.created,
    });
  });

  api.get('/api/v2/organizations/', (req, res) => {
    const items = Object.values(state().awx.organizations).map(serializeOrganization);
    sendList(req, res, items, 'Organization', items[0] ?? {});
  });
  api.get('/api/v2/inventories/', (req, res) => {
    const items = Object.values(state().awx.inventories).map((i) => serializeInventory(i, state()));
    sendList(req, res, items, 'Inventory', items[0] ?? {});
  });
  api.get('/api/v2/projects/', (req, res) => {
    const items = Object.values(state().awx.projects).map((p) => serializeProject(p, state()));
    sendList(req, res, items, 'Project', items[0] ?? {});
  });
  api.get('/api/v2/job_templates/', (req, res) => {
    const items = Object.values(state().awx.job_templates).map((t) => serializeJobTemplate(t, state()));
    sendList(req, res, items, 'JobTemplate', items[0] ?? {});
  });
  api.get('/api/v2/job_templates/:ref/', (req, res) => {
    res.json(serializeJobTemplate(findTemplate(req.params.ref), state()));
  });
  api.get('/api/v2/job_templates/:ref/jobs/', (req, res) => {
    const t = findTemplate(req.params.ref);
    const items = Object.values(state().awx.jobs)
      .filter((j) => j.job_template === t.id)
      .map((j) => serializeJobListItem(j, state(), now()));
    sendList(req, res, items, 'Job', jobSample());
  });

  api.get('/api/v2/job_templates/:ref/launch/', (req, res) => {
    const t = findTemplate(req.params.ref);
    res.json({
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
    });
  });

  api.post('/api/v2/job_templates/:ref/launch/', (req, res) => {
    const t = findTemplate(req.params.ref);
    const body: Record<string, unknown> =
      req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? { ...(req.body as object) } : {};
    if (req.body !== undefined && (typeof req.body !== 'object' || Array.isArray(req.body))) {
      throw new AwxError(400, { detail: 'JSON parse error - expected an object.' });
    }
    if ('inventory_id' in body && !('inventory' in body)) body.inventory = body.inventory_id;
    delete body.inventory_id;

    const ignored: Record<string, unknown> = {};
    const accepted: LaunchValues = { extra_vars: {} };
    const vars = parseExtraVars(body.extra_vars);
    if (Object.keys(vars).length > 0) {
      if (t.ask_variables_on_launch) accepted.extra_vars = vars;
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
        accepted.inventory = Number(value);
      } else if (field === 'limit') accepted.limit = String(value);
      else if (field === 'job_type') {
        if (value !== 'run' && value !== 'check')
          throw new AwxError(400, { job_type: [`"${String(value)}" is not a valid choice.`] });
        accepted.job_type = value;
      } else if (field === 'verbosity') {
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 5)
          throw new AwxError(400, { verbosity: [`"${String(value)}" is not a valid choice.`] });
        accepted.verbosity = value as number;
      }
    }
    if (t.inventory === null && accepted.inventory === undefined) {
      throw new AwxError(400, {
        resources_needed_to_start: ['Job Template inventory is missing or undefined.'],
      });
    }
    const job = runner.launch(t, accepted);
    res
      .status(201)
      .location(`/api/v2/jobs/${job.id}/`)
      .json({ job: job.id, ignored_fields: ignored, ...serializeJob(job, state(), now()) });
  });

  api.get('/api/v2/jobs/', (req, res) => {
    const items = Object.values(state().awx.jobs).map((j) => serializeJobListItem(j, state(), now()));
    sendList(req, res, items, 'Job', jobSample());
  });
  api.get('/api/v2/jobs/:id/', (req, res) => {
    res.json(serializeJob(findJob(req.params.id), state(), now()));
  });
  api.get('/api/v2/jobs/:id/stdout/', (req, res) => {
    const job = findJob(req.params.id);
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
  });
  api.get('/api/v2/jobs/:id/cancel/', (req, res) => {
    res.json({ can_cancel: cancelableStatuses.has(findJob(req.params.id).status) });
  });
  api.post('/api/v2/jobs/:id/cancel/', (req, res) => {
    const job = findJob(req.params.id);
    if (!runner.cancel(job.id)) throw new AwxError(405, { detail: 'Method "POST" not allowed.' });
    res.status(202).end();
  });

  app.use(api);
  app.use(() => {
    throw notFound();
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AwxError) return void res.status(err.status).json(err.body);
    if (err instanceof ListQueryError) return void res.status(err.status).json({ detail: err.message });
    if ((err as { type?: string })?.type === 'entity.parse.failed') {
      return void res.status(400).json({ detail: `JSON parse error - ${(err as Error).message}` });
    }
    ctx.log.error({ err }, 'awx simulator failed');
    res.status(500).json({ detail: 'A server error has occurred.' });
  });
  return { app, runner };

  function jobSample() {
    return serializeJobListItem(
      {
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
        status: 'new',
        job_explanation: '',
        created: '',
        modified: '',
        started: null,
        finished: null,
        canceled_on: null,
        artifacts: {},
        stdout: '',
        next_transition_at: null,
        cancel_requested: false,
      },
      state(),
      now(),
    );
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
