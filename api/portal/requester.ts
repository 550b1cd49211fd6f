/**
 * The requester's pages: the catalog and an offering's order form, the custom VM form generated
 * from the resource type's JSON Schema, their requests and each request's live page with its
 * failures and the ways on (cancel, re-run, resume; approve for approvers); their resources (resources.ts).
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { QueuedInfo, ResourceOutcome } from '../../common/request';
import type { StepProgress } from '../../common/template';
import type { Offering } from '../routes/offerings/store';
import { fieldErrorsOf, type ApiAnswer } from './client';
import { formJson, schemaFields, type ChoiceLabels, type FormValues, type JsonSchema } from './form';
import { dataTable, html, Html, input, select, type FieldErrors } from './html';
import { csrfField, portalOf, sendPage } from './index';
import { resourcePages } from './resources';
import { planSection } from './plan';
import type { RequestPlan } from '../plan/planner';

type CatalogEntry = Offering & { orderSchema: JsonSchema };

interface RequestView {
  requestId: string;
  traceId: string;
  requester: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  rerunOf: string | null;
  resources?: (ResourceOutcome & { output?: Record<string, unknown> })[];
  pause?: { paused: { resource: string; stepId: string; error: { message: string }; deadline: string }[] };
  history?: { status: string; at: string }[];
  starting?: { attempts: number; lastError?: string };
  /** Waiting for its turn among its requester's requests (admission per requester). */
  queued?: QueuedInfo;
  liveError?: string;
  links: { temporalUi: string; file: string };
  /** What it runs: what its approvals approve. */
  plan?: RequestPlan | null;
  /** Its plan changed before the run and waits for a decision on the new one (docs/plan-preview.md). */
  awaitingApproval?: {
    planHash: string;
    previousPlanHash: string;
    changes: { path: string; message: string }[];
    groups: string[];
    requester?: string;
    deadline: string;
  };
}

const terminal = ['succeeded', 'failed', 'cancelled'];

/** The words a user sees for a request status. */
const statusWords: Record<string, string> = {
  received: 'Received',
  running: 'In progress',
  paused: 'Paused: waiting for a decision',
  succeeded: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Not started',
};

export const statusBadge = (status: string) =>
  html`<span class="badge status-${status}">${statusWords[status] ?? status}</span>`;

const presetWords = (spec: Record<string, unknown>) => {
  const disks = Array.isArray(spec.disks) ? (spec.disks as { sizeGb: number }[]) : [];
  return [
    ['Image', spec.osImage],
    ['CPUs', spec.cpu],
    ['Memory', spec.memoryGb !== undefined ? `${spec.memoryGb} GB` : undefined],
    ['Disks', disks.length ? disks.map((d) => `${d.sizeGb} GB`).join(' + ') : undefined],
    ['Network', spec.network],
    ['Kept as', spec.managed ? 'Terraform code (managed)' : 'built once (unmanaged)'],
  ].filter(([, v]) => v !== undefined) as [string, string][];
};

/**
 * A fresh key each time an order form is shown: the API records one request per key, so a form
 * sent twice (a double click, a resent POST) orders once; a form shown again with its errors is a
 * new attempt with a new key.
 */
const idempotencyField = () => html`<input type="hidden" name="idempotencyKey" value="${randomUUID()}" />`;

/** A form's values as strings, by field name (urlencoded bodies give strings or arrays). */
export function valuesOf(req: Request): FormValues {
  const out: FormValues = {};
  for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>))
    if (k !== '_csrf') out[k] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  return out;
}

/** A refusal the page shows above the form: the API's own message, or the fields' count. */
function refusalFlash(answer: ApiAnswer<unknown>, errors: FieldErrors): { kind: 'error'; text: string } {
  const count = Object.keys(errors).length;
  return {
    kind: 'error',
    text: count
      ? `Nothing was ordered: ${count === 1 ? 'one field needs' : `${count} fields need`} a change (see below).`
      : `Nothing was ordered: ${answer.error?.message ?? `the API answered ${answer.status}`}`,
  };
}

export function requesterPages(): Router {
  const router = Router();

  router.get('/catalog', async (req, res) => {
    const { api, session } = portalOf(req);
    const { body } = await api.call<{ offerings: CatalogEntry[] }>('GET', '/v1/catalog');
    const mayOrder = session.principal.role === 'requester' || session.principal.role === 'admin';
    sendPage(req, res, {
      title: 'Catalog',
      body: html`<p>
          Standard resources with everything technical already decided: choose one, give it a name, and the
          system builds it and tells you when it is ready.
        </p>
        <ul class="cards">
          ${body.offerings.map(
            (o) =>
              html`<li class="card">
                <h2>${o.title}</h2>
                <p>${o.description}</p>
                <dl class="facts">
                  ${presetWords(o.spec).map(
                    ([k, v]) =>
                      html`<dt>${k}</dt>
                        <dd>${v}</dd>`,
                  )}
                  <dt>Lease</dt>
                  <dd>${o.defaultLeaseDays} days (up to ${o.maxLeaseDays})</dd>
                </dl>
                ${mayOrder ? html`<a class="button" href="/order/${o.name}" aria-label="Order ${o.title}">Order</a>` : ''}
              </li>`,
          )}
        </ul>
        ${body.offerings.length ? '' : html`<p>No offering is open to you yet.</p>`}
        ${mayOrder ? html`<p>Need something else? <a href="/order/custom">Describe a custom VM</a>.</p>` : ''}`,
    });
  });

  // The custom VM form: the resource type's schema as the API documents it, with the inventory's choices.
  async function customVmSchema(req: Request): Promise<{ schema: JsonSchema; labels: ChoiceLabels }> {
    const { api } = portalOf(req);
    const [doc, networks, images] = await Promise.all([
      api.call<{
        components: {
          schemas: { Submission: { properties: { resources: { items: { oneOf: JsonSchema[] } } } } };
        };
      }>('GET', '/openapi.json'),
      api.call<{ networks: { name: string; cidr: string; datacenter: string }[] }>(
        'GET',
        '/v1/inventory/networks',
      ),
      api.call<{ images: { name: string; description: string }[] }>('GET', '/v1/inventory/images'),
    ]);
    const schema = doc.body.components.schemas.Submission.properties.resources.items.oneOf.find(
      (s) => s.properties?.type?.const === 'virtual_machine' && s.properties?.osImage,
    )!;
    return {
      schema,
      labels: {
        network: Object.fromEntries(
          networks.body.networks.map((n) => [n.name, `${n.cidr}, ${n.datacenter}`]),
        ),
        osImage: Object.fromEntries(images.body.images.map((i) => [i.name, i.description])),
      },
    };
  }

  function customPage(
    req: Request,
    res: Response,
    schema: JsonSchema,
    labels: ChoiceLabels,
    values: FormValues,
    errors: FieldErrors,
    flash?: { kind: 'error'; text: string },
    status = 200,
    plan?: RequestPlan,
  ) {
    sendPage(
      req,
      res,
      {
        title: 'Custom VM',
        flash,
        body: html`<p>Every choice below is one the system accepts today. Fields marked * are required.</p>
          <form method="post" action="/order/custom" novalidate class="order">
            ${csrfField(req)}${idempotencyField()} ${schemaFields(schema, values, errors, labels)}
            ${groupField(req, values, errors)} ${orderButtons(plan, 'Order this VM')}
          </form>`,
      },
      status,
    );
  }

  router.get('/order/custom', async (req, res) => {
    const { schema, labels } = await customVmSchema(req);
    customPage(req, res, schema, labels, {}, {});
  });

  router.post('/order/custom', async (req, res) => {
    const { schema, labels } = await customVmSchema(req);
    const values = valuesOf(req);
    const resource = {
      type: 'virtual_machine',
      ...formJson(schema, values),
      ...(values.group ? { group: values.group } : {}),
    };
    await submitOrder(req, res, resource, (errors, flash, status, plan) =>
      customPage(req, res, schema, labels, values, errors, flash, status, plan),
    );
  });

  /** The group field: only for someone in a group. */
  function groupField(req: Request, values: FormValues, errors: FieldErrors): Html {
    const groups = portalOf(req).session.principal.groups;
    if (!groups.length) return html``;
    return select(
      { path: 'group', label: 'Share with a group (its members act on it as you do)', value: values.group },
      [['', 'No group'], ...groups.map((g) => [g, g] as [string, string])],
      errors,
    );
  }

  /** Submits one resource; on success goes to the request's page, else `again` shows the form with the errors. */
  async function submitOrder(
    req: Request,
    res: Response,
    resource: Record<string, unknown>,
    again: (
      errors: FieldErrors,
      flash: { kind: 'error'; text: string } | undefined,
      status: number,
      plan?: RequestPlan,
    ) => void,
  ) {
    const { api } = portalOf(req);
    const values = valuesOf(req);
    if (values.intent === 'preview') {
      // The plan, shown above the order button; ordering then binds the request to it.
      const previewed = await api.call<RequestPlan>('POST', '/v1/requests/preview', {
        resources: [resource],
      });
      if (previewed.status === 200) return again({}, undefined, 200, previewed.body);
      const errors = fieldErrorsOf(previewed.error?.fields);
      return again(errors, refusalFlash(previewed, errors), previewed.status >= 500 ? 502 : previewed.status);
    }
    const planHash = /^sha256:[0-9a-f]{64}$/.test(values.planHash ?? '') ? values.planHash : undefined;
    // The form's own key: a form sent twice (a double click, a reload) orders once.
    const key = typeof req.body?.idempotencyKey === 'string' ? req.body.idempotencyKey : undefined;
    const answer = await api.call<{ requestId: string }>(
      'POST',
      '/v1/requests',
      { resources: [resource], ...(planHash ? { planHash } : {}) },
      key ? { 'idempotency-key': key } : {},
    );
    if (answer.status === 202 || answer.status === 200) {
      res.redirect(303, `/requests/${answer.body.requestId}`);
      return;
    }
    if (answer.error?.type === 'PlanChanged') {
      const plan = (answer.error.details as { plan?: RequestPlan } | undefined)?.plan;
      return again(
        {},
        {
          kind: 'error',
          text: `Nothing was ordered: the plan changed since you looked (${answer.error.message}). Here is the new one.`,
        },
        409,
        plan,
      );
    }
    const errors = fieldErrorsOf(answer.error?.fields);
    again(errors, refusalFlash(answer, errors), answer.status >= 500 ? 502 : answer.status);
  }

  /**
   * The plan when previewed, then the buttons: order (bound to the plan shown; first, so Enter in
   * a field orders as before) and preview (again).
   */
  function orderButtons(plan: RequestPlan | undefined, order: string): Html {
    return html`${plan ? html`${planSection(plan)}<input type="hidden" name="planHash" value="${plan.planHash}" />` : ''}
      <button type="submit" name="intent" value="order">${order}</button>
      <button type="submit" name="intent" value="preview" class="secondary">Preview the plan</button>`;
  }

  async function offeringOf(req: Request, name: string): Promise<CatalogEntry | undefined> {
    const { body } = await portalOf(req).api.call<{ offerings: CatalogEntry[] }>('GET', '/v1/catalog');
    return body.offerings.find((o) => o.name === name);
  }

  function orderPage(
    req: Request,
    res: Response,
    o: CatalogEntry,
    values: FormValues,
    errors: FieldErrors,
    flash?: { kind: 'error'; text: string },
    status = 200,
    plan?: RequestPlan,
  ) {
    sendPage(
      req,
      res,
      {
        title: `Order: ${o.title}`,
        flash,
        body: html`<p>${o.description}</p>
          <dl class="facts">
            ${presetWords(o.spec).map(
              ([k, v]) =>
                html`<dt>${k}</dt>
                  <dd>${v}</dd>`,
            )}
          </dl>
          <form method="post" action="/order/${o.name}" novalidate class="order">
            ${csrfField(req)}${idempotencyField()}
            ${errors.offering ? html`<p class="field-error" role="alert">${errors.offering}</p>` : ''}
            ${input({ path: 'name', label: 'Name of your VM', required: true, value: values.name, autocomplete: 'off', hint: 'Lower-case letters, digits and hyphens; it becomes the host name.' }, errors)}
            ${input({ path: 'leaseDays', label: 'Keep it for (days)', type: 'number', min: 1, max: o.maxLeaseDays, value: values.leaseDays ?? o.defaultLeaseDays, hint: `Up to ${o.maxLeaseDays} days; it is removed after that.` }, errors)}
            ${groupField(req, values, errors)} ${orderButtons(plan, 'Order')}
          </form>`,
      },
      status,
    );
  }

  router.get('/order/:offering', async (req, res) => {
    const o = await offeringOf(req, String(req.params.offering));
    if (!o) return notOrderable(req, res, String(req.params.offering));
    orderPage(req, res, o, {}, {});
  });

  router.post('/order/:offering', async (req, res) => {
    const name = String(req.params.offering);
    const values = valuesOf(req);
    const leaseDays = /^\d+$/.test(values.leaseDays ?? '')
      ? Number(values.leaseDays)
      : values.leaseDays || undefined;
    const order = {
      offering: name,
      name: values.name ?? '',
      ...(leaseDays !== undefined ? { leaseDays } : {}),
      ...(values.group ? { group: values.group } : {}),
    };
    await submitOrder(req, res, order, async (errors, flash, status, plan) => {
      const o = await offeringOf(req, name);
      // Retired or closed to the user since the page was loaded: say so, nothing was created.
      if (!o) return notOrderable(req, res, name, errors.offering);
      orderPage(req, res, o, values, errors, flash, status, plan);
    });
  });

  function notOrderable(req: Request, res: Response, name: string, why?: string) {
    sendPage(
      req,
      res,
      {
        title: 'This offering cannot be ordered',
        flash: {
          kind: 'error',
          text: why
            ? `Nothing was ordered: ${why}`
            : `There is no offering ${name} you may order (it may have been retired).`,
        },
        body: html`<p><a href="/catalog">Choose another from the catalog</a>.</p>`,
      },
      why ? 422 : 404,
    );
  }

  router.get('/requests', async (req, res) => {
    const { api, session } = portalOf(req);
    const { body } = await api.call<{ requests: RequestView[] }>('GET', '/v1/requests?limit=100');
    const all = session.principal.role !== 'requester';
    sendPage(req, res, {
      title: all ? 'Requests' : 'My requests',
      body: body.requests.length
        ? dataTable(
            ['Request', 'Status', all && 'Requester', 'Submitted'],
            body.requests.map(
              (r) =>
                html`<tr>
                  <td><a href="/requests/${r.requestId}">${r.requestId}</a></td>
                  <td>${statusBadge(r.status)}</td>
                  ${all ? html`<td>${r.requester}</td>` : ''}
                  <td>
                    <time datetime="${r.createdAt}">${r.createdAt.replace('T', ' ').slice(0, 19)} UTC</time>
                  </td>
                </tr>`,
            ),
            'Newest first',
          )
        : html`<p>No requests yet. <a href="/catalog">Order something from the catalog</a>.</p>`,
    });
  });

  router.get('/requests/:id', async (req, res) => {
    const answer = await portalOf(req).api.call<RequestView>(
      'GET',
      `/v1/requests/${encodeURIComponent(String(req.params.id))}`,
    );
    if (answer.status !== 200) {
      sendPage(
        req,
        res,
        {
          title: 'Request not found',
          flash: { kind: 'error', text: `There is no request ${req.params.id} you may see.` },
          body: html`<p><a href="/requests">Your requests</a></p>`,
        },
        404,
      );
      return;
    }
    sendPage(req, res, {
      title: `Request ${answer.body.requestId}`,
      mainAttrs: new Html(` data-request="${answer.body.requestId}" data-status="${answer.body.status}"`),
      flash:
        typeof req.query.done === 'string'
          ? { kind: 'ok', text: doneWords[req.query.done] ?? 'Done.' }
          : undefined,
      body: requestPage(req, answer.body, await askedFor(req, answer.body)),
    });
  });

  /**
   * What the request asked for, by resource name, for an approver deciding it: the resources of
   * the request as submitted, an offering's order with what the offering presets (when the
   * catalog shows it to the approver). Only read when an approval waits for this user's role.
   */
  async function askedFor(req: Request, r: RequestView): Promise<Map<string, [string, string][]>> {
    const asked = new Map<string, [string, string][]>();
    const { api, session } = portalOf(req);
    const role = session.principal.role;
    if ((role !== 'approver' && role !== 'admin') || !waitingApprovals(r).length) return asked;
    const [file, catalog] = await Promise.all([
      api.call<{ resources?: Record<string, unknown>[] }>('GET', `/v1/requests/${r.requestId}/file`),
      api.call<{ offerings?: CatalogEntry[] }>('GET', '/v1/catalog'),
    ]);
    for (const resource of file.status === 200 ? (file.body.resources ?? []) : []) {
      if (typeof resource.name !== 'string') continue;
      const offering =
        typeof resource.offering === 'string'
          ? catalog.body.offerings?.find((o) => o.name === resource.offering)
          : undefined;
      const facts: [string, string][] = [];
      if (typeof resource.offering === 'string')
        facts.push(['Offering', offering ? `${offering.title} (${offering.name})` : resource.offering]);
      facts.push(...presetWords({ ...(offering?.spec ?? {}), ...resource }));
      if (resource.leaseDays !== undefined) facts.push(['Lease', `${String(resource.leaseDays)} days`]);
      if (typeof resource.group === 'string') facts.push(['Group', resource.group]);
      asked.set(resource.name, facts);
    }
    return asked;
  }

  const doneWords: Record<string, string> = {
    cancel: 'Cancellation asked: what was built is undone.',
    retry: 'The failed step runs again.',
    abort: 'What was built is being undone.',
    approve: 'Approved.',
    reject: 'Rejected.',
  };

  function requestPage(req: Request, r: RequestView, asked: Map<string, [string, string][]>): Html {
    const role = portalOf(req).session.principal.role;
    const approvals = waitingApprovals(r);
    const mine = portalOf(req).session.principal.subject === r.requester || role === 'admin';
    const actions: Html[] = [];
    if (mine && !terminal.includes(r.status))
      actions.push(
        html`<form method="post" action="/requests/${r.requestId}/cancel">
          ${csrfField(req)}<button type="submit" class="secondary">Cancel this request</button>
        </form>`,
      );
    if (mine && (r.status === 'failed' || r.status === 'cancelled'))
      actions.push(
        html`<form method="post" action="/requests/${r.requestId}/rerun">
          ${csrfField(req)}<button type="submit">Re-run it</button>
        </form>`,
      );
    if (r.status === 'paused' && (mine || role === 'operator'))
      actions.push(
        html`<form method="post" action="/requests/${r.requestId}/resume">
          ${csrfField(req)}
          <button type="submit" name="action" value="retry">Retry the failed step</button>
          <button type="submit" name="action" value="abort" class="secondary">Give up and undo</button>
        </form>`,
      );
    if ((role === 'approver' || role === 'admin') && approvals.length)
      for (const { resource, step } of approvals)
        actions.push(
          html`<form method="post" action="/requests/${r.requestId}/approve" class="approval">
            ${csrfField(req)}
            <input type="hidden" name="stepId" value="${step.id}" />
            <h3>Approval “${step.id}” for ${resource}</h3>
            ${step.waiting?.message ? html`<p class="approval-message">${step.waiting.message}</p>` : ''}
            <dl class="facts">
              <dt>Requested by</dt>
              <dd>${r.requester}</dd>
              <dt>Requested at</dt>
              <dd>${r.createdAt.replace('T', ' ').slice(0, 16)} UTC</dd>
              ${(asked.get(resource) ?? []).map(
                ([k, v]) =>
                  html`<dt>${k}</dt>
                    <dd>${v}</dd>`,
              )}
              ${
                step.waiting
                  ? html`<dt>Decided by</dt>
                      <dd>${step.waiting.groups.join(', ')}</dd>
                      <dt>Refused by itself at</dt>
                      <dd>${step.waiting.deadline.replace('T', ' ').slice(0, 16)} UTC</dd>`
                  : ''
              }
            </dl>
            ${
              r.plan
                ? html`${planSection(r.plan, 'The plan you approve')}<input
                      type="hidden"
                      name="planHash"
                      value="${r.plan.planHash}"
                    />`
                : ''
            }
            ${input({ path: 'comment', label: 'Reason (shown to the requester)', value: '' }, {})}
            <button type="submit" name="decision" value="approve">Approve</button>
            <button type="submit" name="decision" value="reject" class="secondary">Reject</button>
          </form>`,
        );
    const changed = r.awaitingApproval;
    const principal = portalOf(req).session.principal;
    if (
      changed &&
      (mine || (role === 'approver' && principal.groups.some((g) => changed.groups.includes(g))))
    )
      actions.push(
        html`<form method="post" action="/requests/${r.requestId}/approve" class="approval">
          ${csrfField(req)}
          <input type="hidden" name="stepId" value="plan" />
          <input type="hidden" name="planHash" value="${changed.planHash}" />
          <h3>The plan changed: decide on the new one</h3>
          <p class="approval-message">
            A template this request runs was edited since it was submitted with plan
            <code>${changed.previousPlanHash}</code>. Nothing was built; it runs only the new plan, once
            approved.
          </p>
          <dl class="facts">
            <dt>Requested by</dt>
            <dd>${r.requester}</dd>
            <dt>Refused by itself at</dt>
            <dd>${changed.deadline.replace('T', ' ').slice(0, 16)} UTC</dd>
          </dl>
          <h4>What changed</h4>
          <ul class="plan-changes">
            ${changed.changes.map((c) => html`<li><code>${c.path}</code>: ${c.message}</li>`)}
          </ul>
          ${r.plan ? planSection(r.plan, 'The new plan') : ''}
          ${input({ path: 'comment', label: 'Reason (kept with the decision)', value: '' }, {})}
          <button type="submit" name="decision" value="approve">Approve the new plan</button>
          <button type="submit" name="decision" value="reject" class="secondary">Reject</button>
        </form>`,
      );
    return html`<div id="live" aria-live="polite">
        ${liveSection(r, approvals.length > 0 || r.awaitingApproval !== undefined)}
      </div>
      <section id="actions" aria-label="Actions">${actions}</section>
      <p class="links">
        <a href="${r.links.temporalUi}">Open in the Temporal Web UI</a> (for engineers) ·
        <a href="/v1/requests/${r.requestId}/file">The request as submitted</a
        >${r.rerunOf ? html` · re-run of <a href="/requests/${r.rerunOf}">${r.rerunOf}</a>` : ''}
      </p>`;
  }

  router.post('/requests/:id/:action', async (req, res) => {
    const id = String(req.params.id);
    const action = String(req.params.action);
    const { api } = portalOf(req);
    const values = valuesOf(req);
    const calls: Record<string, [string, unknown, string]> = {
      cancel: [`/v1/requests/${encodeURIComponent(id)}/cancel`, undefined, 'cancel'],
      rerun: [`/v1/requests/${encodeURIComponent(id)}/rerun`, undefined, ''],
      resume: [
        `/v1/requests/${encodeURIComponent(id)}/resume`,
        { action: values.action },
        values.action ?? '',
      ],
      approve: [
        `/v1/requests/${encodeURIComponent(id)}/approve`,
        {
          stepId: values.stepId,
          decision: values.decision,
          ...(values.comment ? { comment: values.comment } : {}),
          ...(values.planHash ? { planHash: values.planHash } : {}),
        },
        values.decision ?? '',
      ],
    };
    const call = calls[action];
    if (!call) {
      sendPage(req, res, { title: 'Not found', body: html`<p>No such action.</p>` }, 404);
      return;
    }
    const answer = await api.call<{ requestId?: string }>(
      'POST',
      call[0],
      call[1] ?? (action === 'cancel' || action === 'rerun' ? {} : undefined),
    );
    if (answer.status < 300) {
      const next = action === 'rerun' && answer.body.requestId ? answer.body.requestId : id;
      res.redirect(303, `/requests/${next}${call[2] ? `?done=${encodeURIComponent(call[2])}` : ''}`);
      return;
    }
    sendPage(
      req,
      res,
      {
        title: 'Nothing was done',
        flash: { kind: 'error', text: answer.error?.message ?? `the API answered ${answer.status}` },
        body: html`<p><a href="/requests/${id}">Back to the request</a></p>`,
      },
      answer.status >= 500 ? 502 : answer.status,
    );
  });

  router.use(resourcePages());

  return router;
}

/** The approval steps of a request that wait for a decision, with their resource's name. */
function waitingApprovals(r: RequestView): { resource: string; step: StepProgress }[] {
  return (r.resources ?? []).flatMap((res) =>
    (res.progress?.steps ?? [])
      .filter((s) => s.kind === 'approval' && s.state === 'running')
      .map((s) => ({ resource: res.name, step: s })),
  );
}

/** The part of a request's page that follows it live: status, resources, steps, failures. */
export function liveSection(r: RequestView, waitsForApproval: boolean): Html {
  return html`<p class="status-line">
      Status:
      ${statusBadge(r.status)}${waitsForApproval ? html` <span class="badge status-paused">waiting for approval</span>` : ''}
    </p>
    ${
      r.queued
        ? html`<p class="queued">
            Waiting for its turn: ${r.queued.running} of ${r.requester}'s requests are in progress, at most
            ${r.queued.limit} at
            once${r.queued.ahead ? html`, and ${r.queued.ahead} more wait before this one` : ''}. It starts by
            itself when one of them ends.
          </p>`
        : ''
    }
    ${r.starting ? html`<p>Waiting for the workflow engine to take it (attempt ${r.starting.attempts}${r.starting.lastError ? html`: ${r.starting.lastError}` : ''}).</p>` : ''}
    ${
      r.pause?.paused.length
        ? html`<div class="flash error">
            <p>
              A step failed and waits for a decision until
              <time datetime="${r.pause.paused[0]!.deadline}"
                >${r.pause.paused[0]!.deadline.replace('T', ' ').slice(0, 16)} UTC</time
              >
              (then it is undone):
            </p>
            <ul>
              ${r.pause.paused.map((p) => html`<li>${p.resource}, step ${p.stepId}: ${p.error.message}</li>`)}
            </ul>
          </div>`
        : ''
    }
    ${(r.resources ?? []).map((res) => resourceSection(res))}`;
}

function resourceSection(res: ResourceOutcome & { output?: Record<string, unknown> }): Html {
  const output = (res.output ?? {}) as Record<string, unknown>;
  const steps: StepProgress[] = res.progress?.steps ?? [];
  return html`<section class="resource" aria-label="${res.type} ${res.name}">
    <h2>${res.name} <small>${res.type}, ${res.action}</small></h2>
    <dl class="facts">
      <dt>State</dt>
      <dd class="state-${res.state}">${res.state}</dd>
      ${
        output.ipv4Address
          ? html`<dt>IP address</dt>
              <dd class="ip">${String(output.ipv4Address)}</dd>`
          : ''
      }
      ${
        output.network
          ? html`<dt>Network</dt>
              <dd>${String(output.network)}</dd>`
          : ''
      }
      ${
        res.state === 'succeeded' && res.action === 'create'
          ? html`<dt>Resource</dt>
              <dd><a href="/resources/${res.type}/${res.name}">${res.type}/${res.name}</a></dd>`
          : ''
      }
    </dl>
    ${res.error ? html`<div class="flash error" role="alert"><strong>Why it failed:</strong> ${res.error.message}${res.error.externalId ? html` (${res.error.externalId})` : ''}${res.compensated?.length ? html`<br />Undone: ${res.compensated.join(', ')}` : ''}</div>` : ''}
    ${
      steps.length
        ? html`<ol class="steps">
            ${steps.map((s) => html`<li class="step-${s.state}"><span class="step-id">${s.id}</span> <span class="step-state">${s.state}</span>${s.attempts > 1 ? html` (attempt ${s.attempts})` : ''}${s.lastError && s.state !== 'succeeded' ? html`<br /><span class="step-error">${s.lastError.message}</span>` : ''}</li>`)}
          </ol>`
        : ''
    }
  </section>`;
}
