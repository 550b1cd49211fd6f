/**
 * A request's plan as the portal shows it (docs/plan-preview.md): on the order form after
 * "Preview the plan", above the order button, and on a request's page for the approver, who
 * decides on that plan (its hash travels with the decision).
 */
import type { RequestPlan } from '../plan/planner';
import type { PlannedStep } from '../plan/template-walk';
import { html, type Html } from './html';

/** The steps and those of the sub-templates they run, each named by its path (`build/launch`). */
function flatten(steps: readonly PlannedStep[], prefix = ''): (PlannedStep & { path: string })[] {
  return steps.flatMap((s) => [
    { ...s, path: `${prefix}${s.id}` },
    ...flatten(s.steps ?? [], `${prefix}${s.id}/`),
  ]);
}

/** The plan: per resource its template, placement, provisional address, steps, renders and git change. */
export function planSection(plan: RequestPlan, heading = 'What this request will do'): Html {
  return html`<section class="plan" aria-label="Plan">
    <h3>${heading}</h3>
    <p class="hint">Plan <code>${plan.planHash}</code></p>
    ${plan.resources.map(
      (r) =>
        html`<h4>${r.action} ${r.type} ${r.name}: template ${r.template.name} ${r.template.version}</h4>
          <dl class="facts">
            ${
              r.placement
                ? html`<dt>Placement</dt>
                    <dd>${Object.values(r.placement).join(' / ')}</dd>`
                : ''
            }
            ${r.provisional.map(
              (p) =>
                html`<dt>${p.what}</dt>
                  <dd>${p.value} (provisional: given when it is built)</dd>`,
            )}
          </dl>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Wave</th>
                  <th scope="col">Step</th>
                  <th scope="col">Runs</th>
                  <th scope="col">Condition</th>
                  <th scope="col">Approval</th>
                </tr>
              </thead>
              <tbody>
                ${flatten(r.steps).map(
                  (s) =>
                    html`<tr>
                      <td>${String(s.wave)}</td>
                      <td>${s.path}</td>
                      <td>${s.runs ?? s.kind}</td>
                      <td>
                        ${s.when ? `${s.when.holds === null ? 'at run time' : s.when.holds ? 'holds' : 'skipped'}` : ''}
                      </td>
                      <td>
                        ${s.approval ? `${s.approval.groups.join(' or ')}, within ${s.approval.timeout}` : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
          ${r.steps
            .filter((s) => s.output !== undefined && s.runs !== 'rfm:read-resource')
            .map(
              (s) =>
                html`<details>
                  <summary>What ${s.id} renders</summary>
                  <pre>${JSON.stringify(s.output, null, 2)}</pre>
                </details>`,
            )}
          <details>
            <summary>The git change (${r.git.repository})</summary>
            <pre>${r.git.files.map((f) => f.diff).join('\n')}</pre>
          </details>`,
    )}
  </section>`;
}
