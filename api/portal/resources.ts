/**
 * The user's resources: the list (`/resources`, what `GET /v1/resources` shows the user) and a
 * resource's page (`/resources/<type>/<name>`, linked from e-mails) with its lease end, the
 * requests that acted on it, and two actions through the same API calls a script would make:
 * extend (or shorten) the lease (`POST /v1/resources/{type}/{name}/lease`; beyond the maximum it
 * may wait for an approval, a request), the day-2 changes of a VM (`POST /v1/requests` with
 * `"action": "update"`: CPUs, memory, one more disk; `"action": "power"`: on, off, restart) and
 * delete, after a confirmation (`"action": "delete"`). After each, the page links to the request it
 * started.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import {
  actionableStates,
  changeableStates,
  leaseChangeableStates,
  type ResourceState,
} from '../../common/lifecycle';
import { powerActions } from '../../common/resource';
import { fieldErrorsOf } from './client';
import { dataTable, html, Html, input, type FieldErrors } from './html';
import { csrfField, portalOf, sendPage } from './index';

interface ResourceView {
  type: string;
  name: string;
  state: ResourceState;
  owner: string;
  group: string | null;
  managed: boolean;
  leaseEnd: string | null;
  size: Record<string, unknown>;
  placement: Record<string, unknown>;
  externalIds: Record<string, unknown>;
  commit: string | null;
  traceId: string;
  createdByRequest: string;
  createdAt: string;
  requests?: { requestId: string; action: string; status: string | null; at: string }[];
  links: { temporalUi?: string };
}

/** A request ID as the API makes them: the only thing `?started=` may carry. */
const requestIdPattern = /^req_[0-9A-Za-z]{10,40}$/;

/** What the page says after an action (`?done=`), above the link to the request it started. */
const doneWords: Record<string, string> = {
  lease: 'The lease was changed.',
  'lease-approval': 'The lease change waits for an approval; it takes effect when approved.',
  delete: 'Its removal was asked.',
  update: 'The change was asked.',
  power: 'The power action was asked.',
};

/** The size a VM's page shows and its change form starts from (`GET /v1/resources` size). */
interface VmSize {
  cpu?: number;
  memoryMb?: number;
  disks?: number[];
  power?: string;
}

/** What each power button says. */
const powerWords: Record<(typeof powerActions)[number], string> = {
  on: 'Power on',
  off: 'Power off',
  restart: 'Restart',
};

const when = (iso: string | null) => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '');

/** A lease end as the date input shows it. */
const dateOf = (iso: string | null) => (iso ? iso.slice(0, 10) : '');

/**
 * The date input's day as the instant the API takes: the end of that day, UTC. Anything else is
 * sent as typed, so the API's own message names what is wrong with it.
 */
const leaseEndOf = (value: string | undefined) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value ?? '') ? `${value}T23:59:59Z` : (value ?? '');

const resourcePath = (type: string, name: string) =>
  `/v1/resources/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;

export function resourcePages(): Router {
  const router = Router();

  router.get('/resources', async (req, res) => {
    const { api, session } = portalOf(req);
    const { body } = await api.call<{ resources: ResourceView[] }>('GET', '/v1/resources?limit=200');
    const all = session.principal.role === 'admin';
    sendPage(req, res, {
      title: all ? 'Resources' : 'My resources',
      body: body.resources?.length
        ? dataTable(
            ['Name', 'State', 'Lease ends', 'Owner'],
            body.resources.map(
              (r) =>
                html`<tr>
                  <td><a href="/resources/${r.type}/${r.name}">${r.name}</a> <small>${r.type}</small></td>
                  <td>${r.state}</td>
                  <td>
                    ${r.leaseEnd ? html`<time datetime="${r.leaseEnd}">${when(r.leaseEnd)}</time>` : 'never'}
                  </td>
                  <td>${r.owner}${r.group ? ` (group ${r.group})` : ''}</td>
                </tr>`,
            ),
            'Newest first',
          )
        : html`<p>Nothing yet. <a href="/catalog">Order something from the catalog</a>.</p>`,
    });
  });

  /** The resource's page, with the lease form's errors and the flash of a refused action when there are. */
  async function resourcePage(
    req: Request,
    res: Response,
    opts: {
      errors?: FieldErrors;
      leaseValue?: string;
      /** The change form as it was sent, when the API refused it. */
      changeValues?: Record<string, string>;
      flash?: { kind: 'error'; text: string };
      status?: number;
    } = {},
  ) {
    const type = String(req.params.type);
    const name = String(req.params.name);
    const answer = await portalOf(req).api.call<ResourceView>('GET', resourcePath(type, name));
    if (answer.status !== 200) return notFound(req, res, type, name);
    const r = answer.body;
    const done = typeof req.query.done === 'string' ? doneWords[req.query.done] : undefined;
    const started =
      typeof req.query.started === 'string' && requestIdPattern.test(req.query.started)
        ? req.query.started
        : undefined;
    const errors = opts.errors ?? {};
    sendPage(
      req,
      res,
      {
        title: `${r.name}`,
        flash: opts.flash,
        body: html`${
            done
              ? html`<div class="flash ok" role="status">
                  ${done}${started ? html` Follow it: <a href="/requests/${started}">request ${started}</a>.` : ''}
                </div>`
              : ''
          }
          <dl class="facts">
            <dt>Type</dt>
            <dd>${r.type}, ${r.managed ? 'kept as Terraform code (managed)' : 'built once (unmanaged)'}</dd>
            <dt>State</dt>
            <dd class="state-${r.state}">${r.state}</dd>
            <dt>Lease ends</dt>
            <dd class="lease-end">
              ${r.leaseEnd ? html`<time datetime="${r.leaseEnd}">${when(r.leaseEnd)}</time>` : 'never'}
            </dd>
            <dt>Owner</dt>
            <dd>${r.owner}${r.group ? ` (shared with group ${r.group})` : ''}</dd>
            ${facts(r.size)} ${facts(r.placement)} ${facts(r.externalIds)}
            <dt>Created by</dt>
            <dd><a href="/requests/${r.createdByRequest}">${r.createdByRequest}</a></dd>
          </dl>
          ${
            leaseChangeableStates.includes(r.state)
              ? html`<form
                  method="post"
                  action="/resources/${r.type}/${r.name}/lease"
                  novalidate
                  class="narrow"
                >
                  ${csrfField(req)}
                  <h2>Lease</h2>
                  ${input(
                    {
                      path: 'leaseEnd',
                      label: 'Keep it until',
                      type: 'date',
                      required: true,
                      value: opts.leaseValue ?? dateOf(r.leaseEnd),
                      hint: 'It is removed at the end of that day (UTC). Within the maximum lease the change is made at once; beyond it, it may wait for an approval.',
                    },
                    errors,
                  )}
                  <button type="submit">Change the lease</button>
                </form>`
              : ''
          }
          ${
            r.type === 'virtual_machine' && changeableStates.includes(r.state)
              ? changeForms(req, r, errors, opts.changeValues ?? {})
              : ''
          }
          ${
            actionableStates.includes(r.state)
              ? html`<p>
                  <a class="button secondary" href="/resources/${r.type}/${r.name}/delete">Delete…</a>
                </p>`
              : ''
          }
          ${requestsTable(r)}
          ${
            r.links.temporalUi
              ? html`<p class="links">
                  <a href="${r.links.temporalUi}">Its workflow in the Temporal Web UI</a> (for engineers)
                </p>`
              : ''
          }`,
      },
      opts.status ?? 200,
    );
  }

  router.get('/resources/:type/:name', (req, res) => resourcePage(req, res));

  router.post('/resources/:type/:name/lease', async (req, res) => {
    const type = String(req.params.type);
    const name = String(req.params.name);
    const typed = typeof req.body?.leaseEnd === 'string' ? req.body.leaseEnd : undefined;
    const answer = await portalOf(req).api.call<{ requestId?: string }>(
      'POST',
      `${resourcePath(type, name)}/lease`,
      {
        leaseEnd: leaseEndOf(typed),
      },
    );
    const here = `/resources/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;
    if (answer.status === 200) return res.redirect(303, `${here}?done=lease`);
    if (answer.status === 202 && answer.body.requestId)
      return res.redirect(303, `${here}?done=lease-approval&started=${answer.body.requestId}`);
    if (answer.status === 404) return notFound(req, res, type, name);
    const errors = fieldErrorsOf(answer.error?.fields);
    await resourcePage(req, res, {
      errors,
      leaseValue: typed ?? '',
      status: answer.status >= 500 ? 502 : answer.status,
      flash: {
        kind: 'error',
        text: `The lease was not changed: ${errors.leaseEnd ? 'see the field below.' : (answer.error?.message ?? `the API answered ${answer.status}`)}`,
      },
    });
  });

  // A day-2 change of a VM: its size (CPUs, memory, one more disk), or a power action.
  router.post('/resources/:type/:name/change', async (req, res) => {
    const type = String(req.params.type);
    const name = String(req.params.name);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const key = text('idempotencyKey') || undefined;
    let resource: Record<string, unknown>;
    if (text('power')) resource = { type, action: 'power', name, power: text('power') };
    else {
      const current = await portalOf(req).api.call<ResourceView>('GET', resourcePath(type, name));
      if (current.status !== 200) return notFound(req, res, type, name);
      const size = current.body.size as VmSize;
      // A number typed is sent as a number, anything else as typed: the API names what is wrong.
      const value = (k: string) =>
        text(k) === '' ? undefined : /^\d+$/.test(text(k)) ? Number(text(k)) : text(k);
      const cpu = value('cpu');
      const memoryGb = value('memoryGb');
      const newDisk = value('addDiskGb');
      resource = {
        type,
        action: 'update',
        name,
        ...(cpu !== undefined && cpu !== size.cpu ? { cpu } : {}),
        ...(memoryGb !== undefined && memoryGb !== (size.memoryMb ?? 0) / 1024 ? { memoryGb } : {}),
        ...(newDisk !== undefined
          ? { disks: [...(size.disks ?? []).map((sizeGb) => ({ sizeGb })), { sizeGb: newDisk }] }
          : {}),
      };
    }
    const answer = await portalOf(req).api.call<{ requestId: string }>(
      'POST',
      '/v1/requests',
      { resources: [resource] },
      key ? { 'idempotency-key': key } : {},
    );
    if (answer.status === 202 || answer.status === 200)
      return res.redirect(
        303,
        `/resources/${encodeURIComponent(type)}/${encodeURIComponent(name)}?done=${resource.action}&started=${answer.body.requestId}`,
      );
    // The API names the fields of the request's first resource; the form's names are those, but
    // one more disk is `disks.N.sizeGb` there.
    const fields = (answer.error?.fields ?? []).map((f) => ({
      ...f,
      path: f.path
        .replace(/^body\.resources\.0\.disks\.\d+\.sizeGb$/, 'addDiskGb')
        .replace(/^body\.resources\.0\.disks$/, 'addDiskGb'),
    }));
    const errors = fieldErrorsOf(fields);
    await resourcePage(req, res, {
      errors,
      changeValues: { cpu: text('cpu'), memoryGb: text('memoryGb'), addDiskGb: text('addDiskGb') },
      status: answer.status >= 500 ? 502 : answer.status,
      flash: {
        kind: 'error',
        text: `Nothing was changed: ${['cpu', 'memoryGb', 'addDiskGb'].some((k) => errors[k]) ? 'see the fields below.' : (answer.error?.message ?? `the API answered ${answer.status}`)}`,
      },
    });
  });

  router.get('/resources/:type/:name/delete', async (req, res) => {
    const type = String(req.params.type);
    const name = String(req.params.name);
    const answer = await portalOf(req).api.call<ResourceView>('GET', resourcePath(type, name));
    if (answer.status !== 200) return notFound(req, res, type, name);
    sendPage(req, res, {
      title: `Delete ${name}?`,
      body: html`<p>
          This removes ${type} ${name} the way it was built, frees its address and records its removal. It
          cannot be undone.
        </p>
        <form method="post" action="/resources/${type}/${name}/delete">
          ${csrfField(req)}
          <input type="hidden" name="idempotencyKey" value="${randomUUID()}" />
          <button type="submit" class="danger">Yes, delete ${name}</button>
          <a href="/resources/${type}/${name}">No, keep it</a>
        </form>`,
    });
  });

  router.post('/resources/:type/:name/delete', async (req, res) => {
    const type = String(req.params.type);
    const name = String(req.params.name);
    const key = typeof req.body?.idempotencyKey === 'string' ? req.body.idempotencyKey : undefined;
    const answer = await portalOf(req).api.call<{ requestId: string }>(
      'POST',
      '/v1/requests',
      { resources: [{ type, action: 'delete', name }] },
      key ? { 'idempotency-key': key } : {},
    );
    if (answer.status === 202 || answer.status === 200)
      return res.redirect(
        303,
        `/resources/${encodeURIComponent(type)}/${encodeURIComponent(name)}?done=delete&started=${answer.body.requestId}`,
      );
    await resourcePage(req, res, {
      status: answer.status >= 500 ? 502 : answer.status,
      flash: {
        kind: 'error',
        text: `Nothing was deleted: ${answer.error?.message ?? `the API answered ${answer.status}`}`,
      },
    });
  });

  return router;
}

/** A VM's day-2 forms: its size (CPUs, memory, one more disk) and its power. */
function changeForms(req: Request, r: ResourceView, errors: FieldErrors, sent: Record<string, string>): Html {
  const size = r.size as VmSize;
  const power = size.power ?? 'on';
  return html`<form method="post" action="/resources/${r.type}/${r.name}/change" novalidate class="narrow">
      ${csrfField(req)}
      <input type="hidden" name="idempotencyKey" value="${randomUUID()}" />
      <h2>Size</h2>
      ${input(
        {
          path: 'cpu',
          label: 'CPUs',
          type: 'number',
          value: sent.cpu ?? String(size.cpu ?? ''),
          hint: 'More than 8 CPUs or 64 GB waits for the capacity team’s approval.',
        },
        errors,
      )}
      ${input(
        {
          path: 'memoryGb',
          label: 'Memory (GB)',
          type: 'number',
          value: sent.memoryGb ?? (size.memoryMb ? String(size.memoryMb / 1024) : ''),
        },
        errors,
      )}
      ${input(
        {
          path: 'addDiskGb',
          label: 'Add a disk (GB)',
          type: 'number',
          value: sent.addDiskGb ?? '',
          hint: `It has ${(size.disks ?? []).map((d) => `${d} GB`).join(', ') || 'no disks'}; disks are added, never shrunk.`,
        },
        errors,
      )}
      <button type="submit">Change the size</button>
    </form>
    <form method="post" action="/resources/${r.type}/${r.name}/change" class="narrow">
      ${csrfField(req)}
      <input type="hidden" name="idempotencyKey" value="${randomUUID()}" />
      <h2>Power</h2>
      <p>It is powered <strong class="power">${power}</strong>.</p>
      ${powerActions
        .filter((a) => (a === 'on' ? power !== 'on' : power === 'on'))
        .map(
          (a) =>
            html`<button type="submit" name="power" value="${a}" class="secondary">
              ${powerWords[a]}
            </button> `,
        )}
    </form>`;
}

/** The facts of an object (size, placement, external IDs) as terms of the page's list. */
function facts(values: Record<string, unknown> | undefined): Html[] {
  return Object.entries(values ?? {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>`,
    );
}

/** The requests that acted on the resource, each linked to its page. */
function requestsTable(r: ResourceView): Html {
  if (!r.requests?.length) return html``;
  return html`<h2>Requests on it</h2>
    ${dataTable(
      ['Request', 'Action', 'Status', 'When'],
      r.requests.map(
        (q) =>
          html`<tr>
            <td><a href="/requests/${q.requestId}">${q.requestId}</a></td>
            <td>${q.action}</td>
            <td>${q.status ?? ''}</td>
            <td><time datetime="${q.at}">${when(q.at)}</time></td>
          </tr>`,
      ),
    )}`;
}

function notFound(req: Request, res: Response, type: string, name: string) {
  sendPage(
    req,
    res,
    {
      title: `${type} ${name}`,
      flash: { kind: 'error', text: `There is no ${type} named ${name} you may see.` },
      body: html`<p><a href="/resources">Your resources</a></p>`,
    },
    404,
  );
}
