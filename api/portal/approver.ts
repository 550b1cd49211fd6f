/**
 * The approver's page: the requests with an approval step waiting that one of their groups may
 * decide (an admin's: every one), each linked to the request's page where the decision is taken.
 * The step's groups come from its template (the same library the workers run), since the live
 * progress names a step, not who may decide it.
 */
import { Router } from 'express';
import { taskCatalog } from '../../activities/registry';
import type { ResourceOutcome } from '../../common/request';
import type { TemplateRef } from '../../common/template';
import { loadTemplateLibrary, templatesDir, type TemplateLibrary } from '../../templates/library';
import { html } from './html';
import { portalOf, sendPage } from './index';

let library: TemplateLibrary | undefined;
/** The template library, read once on first use. */
function templates(): TemplateLibrary {
  library ??= loadTemplateLibrary(templatesDir, taskCatalog);
  return library;
}

/** The groups that may decide approval step `stepId` of the template `ref`, when the library has it. */
function approvalGroups(ref: TemplateRef | undefined, stepId: string): string[] | undefined {
  if (!ref) return undefined;
  const step = templates()
    .get(ref)
    ?.steps.find((s) => s.id === stepId);
  return step && 'approval' in step && Array.isArray(step.approval.groups) ? step.approval.groups : undefined;
}

interface Waiting {
  requestId: string;
  requester: string;
  resource: string;
  stepId: string;
  groups: string[] | undefined;
  since?: string;
  message?: string;
}

export function approverPages(): Router {
  const router = Router();
  router.get('/approvals', async (req, res) => {
    const { api, session } = portalOf(req);
    const { role, groups: mine } = session.principal;
    if (role !== 'approver' && role !== 'admin') {
      sendPage(
        req,
        res,
        {
          title: 'Approvals',
          flash: { kind: 'error', text: 'Approvals are decided by approvers.' },
          body: html``,
        },
        403,
      );
      return;
    }
    const running = await api.call<{ requests: { requestId: string; requester: string }[] }>(
      'GET',
      '/v1/requests?status=running&limit=200',
    );
    const waiting: Waiting[] = [];
    for (const r of running.body.requests ?? []) {
      const detail = await api.call<{ resources?: ResourceOutcome[] }>('GET', `/v1/requests/${r.requestId}`);
      for (const resource of detail.body.resources ?? [])
        for (const step of resource.progress?.steps ?? [])
          if (step.kind === 'approval' && step.state === 'running') {
            // The wait names its groups; a step recorded before it did, its template.
            const groups = step.waiting?.groups ?? approvalGroups(resource.progress?.template, step.id);
            if (role === 'admin' || !groups || groups.some((g) => mine.includes(g)))
              waiting.push({
                requestId: r.requestId,
                requester: r.requester,
                resource: resource.name,
                stepId: step.id,
                groups,
                since: step.waiting?.since ?? step.startedAt,
                message: step.waiting?.message,
              });
          }
    }
    sendPage(req, res, {
      title: 'Waiting for approval',
      body: waiting.length
        ? html`<p>
              ${role === 'admin' ? 'Every approval waiting (an admin decides any).' : `Approvals your groups (${mine.join(', ') || 'none'}) decide.`}
            </p>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Request</th>
                    <th scope="col">Requester</th>
                    <th scope="col">Resource</th>
                    <th scope="col">Step</th>
                    <th scope="col">What it asks</th>
                    <th scope="col">Decided by</th>
                    <th scope="col">Waiting since</th>
                  </tr>
                </thead>
                <tbody>
                  ${waiting.map(
                    (w) =>
                      html`<tr>
                        <td><a href="/requests/${w.requestId}">${w.requestId}</a></td>
                        <td>${w.requester}</td>
                        <td>${w.resource}</td>
                        <td>${w.stepId}</td>
                        <td>${w.message ?? ''}</td>
                        <td>${w.groups?.join(', ') ?? 'unknown'}</td>
                        <td>${w.since ? w.since.replace('T', ' ').slice(0, 16) : ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
        : html`<p>Nothing waits for your decision.</p>`,
    });
  });
  return router;
}
