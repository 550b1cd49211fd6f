/**
 * The admin's pages: offerings (create, change, retire), the placement matrix as a matrix of
 * cluster × datastore, API tokens (issue, shown once; revoke) and the system's status.
 */
import { Router, type Request, type Response } from 'express';
import type { SystemStatus } from '../routes/system/status';
import type { Offering } from '../routes/offerings/store';
import { roles } from '../../common/authority';
import { fieldErrorsOf } from './client';
import { formJson, schemaFields, type FormValues, type JsonSchema } from './form';
import {
  actionsHeader,
  dataTable,
  errorAttrs,
  fieldError,
  fieldId,
  html,
  Html,
  input,
  select,
  type FieldErrors,
} from './html';
import { csrfField, portalOf, sendPage } from './index';
import { valuesOf } from './requester';

/** The resource fields an offering presets, in the order the form shows them. */
const presetFields = ['osImage', 'network', 'cpu', 'memoryGb', 'disks', 'managed'];

type Flash = { kind: 'error' | 'ok'; text: string };

export function adminPages(): Router {
  const router = Router();
  router.use((req, res, next) => {
    if (portalOf(req).session.principal.role === 'admin') return next();
    sendPage(
      req,
      res,
      {
        title: 'Administration',
        flash: { kind: 'error', text: 'These pages are for admins.' },
        body: html``,
      },
      403,
    );
  });

  // --- Offerings -------------------------------------------------------------------------------

  /** The preset part of the VM schema as the API documents it (with the inventory's choices). */
  async function presetSchema(req: Request): Promise<JsonSchema> {
    const doc = await portalOf(req).api.call<{
      components: {
        schemas: { Submission: { properties: { resources: { items: { oneOf: JsonSchema[] } } } } };
      };
    }>('GET', '/openapi.json');
    const vm = doc.body.components.schemas.Submission.properties.resources.items.oneOf.find(
      (s) => s.properties?.type?.const === 'virtual_machine' && s.properties?.osImage,
    )!;
    return {
      type: 'object',
      required: (vm.required ?? []).filter((k) => presetFields.includes(k)),
      properties: Object.fromEntries(presetFields.map((k) => [k, vm.properties![k]!])),
    };
  }

  const offeringValues = (o: Offering): FormValues => {
    const values: FormValues = {
      title: o.title,
      description: o.description,
      defaultLeaseDays: String(o.defaultLeaseDays),
      maxLeaseDays: String(o.maxLeaseDays),
      groups: o.groups.join(', '),
    };
    for (const [k, v] of Object.entries(o.spec)) {
      if (Array.isArray(v))
        v.forEach((d, i) => (values[`spec.${k}.${i}.sizeGb`] = String((d as { sizeGb: number }).sizeGb)));
      else values[`spec.${k}`] = String(v);
    }
    return values;
  };

  async function offeringsPage(
    req: Request,
    res: Response,
    values: FormValues,
    errors: FieldErrors,
    flash?: Flash,
    status = 200,
  ) {
    const { api } = portalOf(req);
    const [list, schema] = await Promise.all([
      api.call<{ offerings: Offering[] }>('GET', '/v1/admin/offerings'),
      presetSchema(req),
    ]);
    const editing = values.editing ?? '';
    sendPage(
      req,
      res,
      {
        title: 'Offerings',
        flash,
        body: html`${dataTable(
            ['Offering', 'Preset', 'Lease (days)', 'Groups', 'State', actionsHeader],
            list.body.offerings.map(
              (o) =>
                html`<tr>
                  <td><strong>${o.title}</strong><br /><code>${o.name}</code></td>
                  <td>
                    ${String(o.spec.osImage ?? '')}, ${String(o.spec.cpu ?? '')} CPU,
                    ${String(o.spec.memoryGb ?? '')} GB,
                    ${String(o.spec.network ?? '')}${o.spec.managed ? ', managed' : ''}
                  </td>
                  <td>${o.defaultLeaseDays} (max ${o.maxLeaseDays})</td>
                  <td>${o.groups.join(', ') || 'everyone'}</td>
                  <td>${o.retiredAt ? html`retired ${o.retiredAt.slice(0, 10)}` : 'offered'}</td>
                  <td>
                    ${
                      o.retiredAt
                        ? ''
                        : html`<a href="/admin/offerings?edit=${o.name}" aria-label="Change ${o.title}"
                              >Change</a
                            >
                            <form method="post" action="/admin/offerings/${o.name}/retire" class="inline">
                              ${csrfField(req)}<button
                                type="submit"
                                class="secondary"
                                aria-label="Retire ${o.title}"
                              >
                                Retire
                              </button>
                            </form>`
                    }
                  </td>
                </tr>`,
            ),
          )}
          <h2 id="offering-form">${editing ? `Change ${editing}` : 'New offering'}</h2>
          <form
            method="post"
            action="/admin/offerings"
            novalidate
            class="order"
            aria-labelledby="offering-form"
          >
            ${csrfField(req)}
            <input type="hidden" name="editing" value="${editing}" />
            ${editing ? '' : input({ path: 'name', label: 'Name (what orders name)', required: true, value: values.name, hint: 'e.g. small-rhel9-dev' }, errors)}
            ${input({ path: 'title', label: 'Title', required: true, value: values.title }, errors)}
            ${input({ path: 'description', label: 'Description', value: values.description }, errors)}
            <fieldset>
              <legend>The resource</legend>
              ${fieldError('spec', errors)}${schemaFields(schema, values, errors, {}, 'spec.')}
            </fieldset>
            ${input({ path: 'defaultLeaseDays', label: 'Default lease (days)', type: 'number', required: true, min: 1, value: values.defaultLeaseDays }, errors)}
            ${input({ path: 'maxLeaseDays', label: 'Longest lease (days)', type: 'number', required: true, min: 1, value: values.maxLeaseDays }, errors)}
            ${input({ path: 'groups', label: 'Groups that may order it', value: values.groups, hint: 'Comma separated; empty for every requester.' }, errors)}
            <button type="submit">${editing ? 'Save the offering' : 'Create the offering'}</button>
          </form>`,
      },
      status,
    );
  }

  router.get('/offerings', async (req, res) => {
    const edit = typeof req.query.edit === 'string' ? req.query.edit : undefined;
    if (edit) {
      const found = await portalOf(req).api.call<Offering>(
        'GET',
        `/v1/admin/offerings/${encodeURIComponent(edit)}`,
      );
      if (found.status === 200)
        return offeringsPage(req, res, { ...offeringValues(found.body), editing: edit }, {});
    }
    await offeringsPage(req, res, {}, {});
  });

  router.post('/offerings', async (req, res) => {
    const values = valuesOf(req);
    const schema = await presetSchema(req);
    const number = (v: string | undefined) => (v && /^\d+$/.test(v.trim()) ? Number(v) : v);
    const body = {
      ...(values.editing ? {} : { name: values.name ?? '' }),
      title: values.title ?? '',
      description: values.description ?? '',
      resourceType: 'virtual_machine',
      spec: formJson(schema, values, 'spec.'),
      defaultLeaseDays: number(values.defaultLeaseDays),
      maxLeaseDays: number(values.maxLeaseDays),
      groups: (values.groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    };
    const answer = values.editing
      ? await portalOf(req).api.call('PUT', `/v1/admin/offerings/${encodeURIComponent(values.editing)}`, body)
      : await portalOf(req).api.call('POST', '/v1/admin/offerings', body);
    if (answer.status < 300) {
      await offeringsPage(
        req,
        res,
        {},
        {},
        { kind: 'ok', text: `Offering ${values.editing || values.name} saved.` },
      );
      return;
    }
    const errors = fieldErrorsOf(answer.error?.fields);
    await offeringsPage(
      req,
      res,
      values,
      errors,
      { kind: 'error', text: `Not saved: ${answer.error?.message ?? answer.status}` },
      answer.status,
    );
  });

  router.post('/offerings/:name/retire', async (req, res) => {
    const answer = await portalOf(req).api.call(
      'POST',
      `/v1/admin/offerings/${encodeURIComponent(String(req.params.name))}/retire`,
    );
    await offeringsPage(
      req,
      res,
      {},
      {},
      answer.status < 300
        ? { kind: 'ok', text: `Offering ${req.params.name} retired: it is no longer ordered.` }
        : { kind: 'error', text: answer.error?.message ?? String(answer.status) },
      answer.status < 300 ? 200 : answer.status,
    );
  });

  // --- Placement matrix --------------------------------------------------------------------------

  interface Cell {
    cluster: string;
    datastore: string;
    allowed: boolean;
    weight: number;
  }

  const cellPath = (c: { cluster: string; datastore: string }, field: string) =>
    `cell.${c.cluster}.${c.datastore}.${field}`;

  async function placementPage(
    req: Request,
    res: Response,
    errors: FieldErrors,
    flash?: Flash,
    status = 200,
  ) {
    const { api } = portalOf(req);
    const [matrix, clusters, datastores] = await Promise.all([
      api.call<{ matrix: Cell[] }>('GET', '/v1/admin/placement'),
      api.call<{ clusters: { name: string }[] }>('GET', '/v1/inventory/clusters'),
      api.call<{ datastores: { name: string }[] }>('GET', '/v1/inventory/datastores'),
    ]);
    const cell = (cluster: string, datastore: string) =>
      matrix.body.matrix.find((c) => c.cluster === cluster && c.datastore === datastore) ?? {
        cluster,
        datastore,
        allowed: false,
        weight: 0,
      };
    sendPage(
      req,
      res,
      {
        title: 'Placement matrix',
        flash,
        body: html`<p>
            Which datastores new VMs on each cluster may use. Among the allowed pairs, a higher weight takes a
            larger share of new VMs.
          </p>
          <form method="post" action="/admin/placement" novalidate>
            ${csrfField(req)}
            <div class="table-wrap">
              <table class="matrix">
                <caption>
                  Clusters (rows) × datastores (columns)
                </caption>
                <thead>
                  <tr>
                    <td></td>
                    ${datastores.body.datastores.map((d) => html`<th scope="col">${d.name}</th>`)}
                  </tr>
                </thead>
                <tbody>
                  ${clusters.body.clusters.map(
                    (c) =>
                      html`<tr>
                        <th scope="row">${c.name}</th>
                        ${datastores.body.datastores.map((d) => {
                          const x = cell(c.name, d.name);
                          const a = cellPath(x, 'allowed');
                          const w = cellPath(x, 'weight');
                          return html`<td class="${x.allowed ? 'allowed' : 'forbidden'}">
                            <input
                              type="checkbox"
                              id="${fieldId(a)}"
                              name="${a}"
                              value="true"
                              ${x.allowed ? new Html(' checked') : ''}
                            />
                            <label for="${fieldId(a)}"
                              >Allow <span class="visually-hidden">${c.name} on ${d.name}</span></label
                            >
                            <label for="${fieldId(w)}" class="visually-hidden"
                              >Weight of ${c.name} on ${d.name}</label
                            >
                            <input
                              type="number"
                              class="weight"
                              id="${fieldId(w)}"
                              name="${w}"
                              min="0"
                              max="1000"
                              value="${x.weight}"
                              ${errorAttrs(w, errors)}
                            />
                            ${fieldError(w, errors)}
                          </td>`;
                        })}
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            <button type="submit">Save the matrix</button>
          </form>`,
      },
      status,
    );
  }

  router.get('/placement', (req, res) => placementPage(req, res, {}));

  router.post('/placement', async (req, res) => {
    const { api } = portalOf(req);
    const values = valuesOf(req);
    const current = await api.call<{ matrix: Cell[] }>('GET', '/v1/admin/placement');
    const [clusters, datastores] = await Promise.all([
      api.call<{ clusters: { name: string }[] }>('GET', '/v1/inventory/clusters'),
      api.call<{ datastores: { name: string }[] }>('GET', '/v1/inventory/datastores'),
    ]);
    const errors: FieldErrors = {};
    let changed = 0;
    for (const c of clusters.body.clusters)
      for (const d of datastores.body.datastores) {
        const at = { cluster: c.name, datastore: d.name };
        const was = current.body.matrix.find((x) => x.cluster === c.name && x.datastore === d.name);
        const allowed = values[cellPath(at, 'allowed')] === 'true';
        const rawWeight = (values[cellPath(at, 'weight')] ?? '').trim();
        const weight = /^\d+$/.test(rawWeight) ? Number(rawWeight) : rawWeight;
        if (was && was.allowed === allowed && was.weight === weight) continue;
        if (!was && !allowed) continue;
        const answer = await api.call('PUT', '/v1/admin/placement', { ...at, allowed, weight });
        if (answer.status >= 300)
          for (const p of answer.error?.fields ?? [
            { path: 'body.weight', message: answer.error?.message ?? String(answer.status) },
          ])
            errors[cellPath(at, p.path.replace(/^body\./, ''))] = p.message;
        else changed++;
      }
    if (Object.keys(errors).length)
      return placementPage(
        req,
        res,
        errors,
        { kind: 'error', text: `${changed} cells saved; the others need a change (see below).` },
        400,
      );
    await placementPage(
      req,
      res,
      {},
      { kind: 'ok', text: changed ? `${changed} cells saved.` : 'Nothing changed.' },
    );
  });

  // --- Tokens ------------------------------------------------------------------------------------

  interface TokenInfo {
    tokenId: string;
    subject: string;
    role: string;
    groups: string[];
    description: string;
    expiresAt: string | null;
    revokedAt: string | null;
    lastUsedAt: string | null;
  }

  async function tokensPage(
    req: Request,
    res: Response,
    values: FormValues,
    errors: FieldErrors,
    flash?: Flash,
    issued?: string,
    status = 200,
  ) {
    const list = await portalOf(req).api.call<{ tokens: TokenInfo[] }>('GET', '/v1/admin/tokens');
    sendPage(
      req,
      res,
      {
        title: 'API tokens',
        flash,
        body: html`${
            issued
              ? html`<div class="flash ok" role="status">
                  <p>The new token, shown this once (copy it now; only its hash is kept):</p>
                  <p><code class="secret">${issued}</code></p>
                </div>`
              : ''
          }
          <h2>Issue a token</h2>
          <form method="post" action="/admin/tokens" novalidate class="order">
            ${csrfField(req)}
            ${input({ path: 'subject', label: 'Subject (who uses it, usually an e-mail address)', required: true, value: values.subject }, errors)}
            ${select(
              { path: 'role', label: 'Role', value: values.role ?? 'requester', required: true },
              roles.map((r) => [r, r] as [string, string]),
              errors,
            )}
            ${input({ path: 'groups', label: 'Groups', value: values.groups, hint: 'Comma separated: approval groups and groups resources are shared with.' }, errors)}
            ${input({ path: 'expiresInDays', label: 'Expires in (days)', type: 'number', min: 1, value: values.expiresInDays, hint: 'Empty for a token that does not expire.' }, errors)}
            ${input({ path: 'description', label: 'Description', value: values.description }, errors)}
            <button type="submit">Issue the token</button>
          </form>
          <h2>Tokens</h2>
          ${dataTable(
            ['Subject', 'Role', 'Groups', 'Last used', 'State', actionsHeader],
            (list.body.tokens ?? []).map(
              (t) =>
                html`<tr>
                  <td>${t.subject}<br /><code>${t.tokenId}</code></td>
                  <td>${t.role}</td>
                  <td>${t.groups.join(', ')}</td>
                  <td>${t.lastUsedAt?.slice(0, 16).replace('T', ' ') ?? 'never'}</td>
                  <td>
                    ${t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt < new Date().toISOString() ? 'expired' : 'valid'}
                  </td>
                  <td>
                    ${t.revokedAt ? '' : html`<form method="post" action="/admin/tokens/${t.tokenId}/revoke" class="inline">${csrfField(req)}<button type="submit" class="secondary" aria-label="Revoke the token of ${t.subject} (${t.tokenId})">Revoke</button></form>`}
                  </td>
                </tr>`,
            ),
          )}`,
      },
      status,
    );
  }

  router.get('/tokens', (req, res) => tokensPage(req, res, {}, {}));

  router.post('/tokens', async (req, res) => {
    const values = valuesOf(req);
    const days = (values.expiresInDays ?? '').trim();
    const body = {
      subject: values.subject ?? '',
      role: values.role,
      groups: (values.groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      ...(days ? { expiresInDays: /^\d+$/.test(days) ? Number(days) : days } : {}),
      ...(values.description ? { description: values.description } : {}),
    };
    const answer = await portalOf(req).api.call<{ token: string }>('POST', '/v1/admin/tokens', body);
    if (answer.status === 201) return tokensPage(req, res, {}, {}, undefined, answer.body.token);
    await tokensPage(
      req,
      res,
      values,
      fieldErrorsOf(answer.error?.fields),
      { kind: 'error', text: `No token issued: ${answer.error?.message ?? answer.status}` },
      undefined,
      answer.status,
    );
  });

  router.post('/tokens/:tokenId/revoke', async (req, res) => {
    const answer = await portalOf(req).api.call(
      'DELETE',
      `/v1/admin/tokens/${encodeURIComponent(String(req.params.tokenId))}`,
    );
    await tokensPage(
      req,
      res,
      {},
      {},
      answer.status < 300
        ? { kind: 'ok', text: `Token ${req.params.tokenId} revoked.` }
        : { kind: 'error', text: answer.error?.message ?? String(answer.status) },
      undefined,
      answer.status < 300 ? 200 : answer.status,
    );
  });

  // --- System status -----------------------------------------------------------------------------

  router.get('/status', async (req, res) => {
    const answer = await portalOf(req).api.call<SystemStatus>('GET', '/v1/system/status');
    const s = answer.body;
    const ok = (up: boolean) =>
      html`<span class="badge ${up ? 'status-succeeded' : 'status-failed'}"
        >${up ? 'reachable' : 'unreachable'}</span
      >`;
    sendPage(req, res, {
      title: 'System status',
      body: html`<dl class="facts">
          <dt>Temporal</dt>
          <dd>
            ${ok(s.temporal.reachable)} ${s.temporal.version ?? ''} (namespace ${s.temporal.namespace})
            ${s.temporal.error ?? ''}
          </dd>
          <dt>PostgreSQL</dt>
          <dd>${ok(s.postgres.reachable)} ${s.postgres.version ?? ''} ${s.postgres.error ?? ''}</dd>
          <dt>As of</dt>
          <dd>${s.generatedAt}</dd>
        </dl>
        <h2>Workers</h2>
        ${dataTable(
          ['Worker', 'Version', 'Task queues', 'Last seen'],
          s.workers.map(
            (w) =>
              html`<tr>
                <td>${w.identity}</td>
                <td>${w.version ?? ''}</td>
                <td>${[...new Set(w.queues.map((q) => q.taskQueue))].join(', ')}</td>
                <td>${w.lastSeen}</td>
              </tr>`,
          ),
        )}
        <h2>API processes</h2>
        <ul>
          ${s.apiProcesses.map((p) => html`<li>${p.host} pid ${p.pid}, version ${p.version}, since ${p.startedAt}, last seen ${p.lastSeen}</li>`)}
        </ul>`,
    });
  });

  return router;
}
