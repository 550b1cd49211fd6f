/**
 * A request's story as the status shows it: each step's external IDs linked to the end system's
 * own page, the approval steps that wait (who may decide, since when) and the decisions taken.
 * Pure functions of the recorded progress, the same during the run and after it.
 */
import { PLAN_APPROVAL_STEP, type PlanApproval, type ResourceOutcome } from '../../../common/request';
import type { StepProgress } from '../../../common/template';
import type { EndSystemUrls } from '../../deps';

/**
 * The pages of the external IDs one step shows, by the ID's key (a fan-out's `item:` or an
 * undo's `undo:` prefix kept): an AWX job or job template, a TFE workspace or run.
 */
export function externalLinks(ids: Record<string, string>, urls: EndSystemUrls = {}): Record<string, string> {
  const links: Record<string, string> = {};
  const base = (url: string) => url.replace(/\/+$/, '');
  for (const [key, id] of Object.entries(ids)) {
    const cut = key.lastIndexOf(':') + 1;
    const [prefix, name] = [key.slice(0, cut), key.slice(cut)];
    const enc = encodeURIComponent(id);
    if (urls.awx && name === 'awxJob') links[key] = `${base(urls.awx)}/#/jobs/playbook/${enc}`;
    if (urls.awx && name === 'awxJobTemplate')
      links[key] = `${base(urls.awx)}/#/templates/job_template/${enc}/details`;
    const org = ids[`${prefix}tfeOrganization`];
    const workspace = ids[`${prefix}tfeWorkspaceName`];
    if (!urls.tfe || !org || !workspace) continue;
    const page = `${base(urls.tfe)}/app/${encodeURIComponent(org)}/workspaces/${encodeURIComponent(workspace)}`;
    if (name === 'tfeWorkspace') links[key] = page;
    if (name === 'tfeRun') links[key] = `${page}/runs/${enc}`;
  }
  return links;
}

/** The resources with each step's external IDs linked (`links`, beside `externalIds`). */
export function linkedResources(resources: ResourceOutcome[], urls: EndSystemUrls | undefined) {
  return resources.map((r) =>
    r.progress
      ? {
          ...r,
          progress: {
            ...r.progress,
            steps: r.progress.steps.map((s: StepProgress) => ({
              ...s,
              links: externalLinks(s.externalIds, urls),
            })),
          },
        }
      : r,
  );
}

/** The approval steps waiting now: which resource, which step, who may decide, since and until when. */
export function approvalWaits(resources: ResourceOutcome[], approveUrl: string) {
  return resources.flatMap((r) =>
    (r.progress?.steps ?? [])
      .filter((s) => s.waiting)
      .map((s) => ({
        resource: r.name,
        stepId: s.id,
        ...s.waiting!,
        // The approver decides on the plan the run executes (the request's `plan`, docs/plan-preview.md).
        approve: {
          method: 'POST',
          href: approveUrl,
          body: {
            stepId: s.id,
            decision: 'approve',
            ...(s.waiting!.planHash ? { planHash: s.waiting!.planHash } : {}),
          },
        },
      })),
  );
}

/**
 * The plan waiting for a decision after it changed before the run, as a waiting approval of the
 * whole request (step `plan`, no resource): who may decide, the new hash, and what changed.
 */
export function planWaits(approvals: PlanApproval[] | undefined, approveUrl: string) {
  return (approvals ?? [])
    .filter((a) => a.waiting)
    .map((a) => ({
      resource: null,
      stepId: PLAN_APPROVAL_STEP,
      groups: a.groups,
      ...(a.requester ? { requester: a.requester } : {}),
      since: a.since,
      deadline: a.deadline,
      message: `The plan changed since the submission (${a.previousPlanHash}); decide on the new plan`,
      planHash: a.planHash,
      previousPlanHash: a.previousPlanHash,
      changes: a.changes,
      approve: {
        method: 'POST',
        href: approveUrl,
        body: { stepId: PLAN_APPROVAL_STEP, decision: 'approve', planHash: a.planHash },
      },
    }));
}

/**
 * `awaitingApproval`: the changed plan the request waits on (its hash, the one it replaced, what
 * changed), and `planApprovals`: every change of its plan found before it ran and its decision.
 */
export function planApprovalOf(approvals: PlanApproval[] | undefined, approveUrl: string) {
  if (!approvals?.length) return {};
  const [waiting] = planWaits(approvals, approveUrl);
  return { planApprovals: approvals, ...(waiting ? { awaitingApproval: waiting } : {}) };
}

/** The decisions taken on changed plans, as approvals of the whole request (step `plan`). */
export function planDecisions(approvals: PlanApproval[] | undefined) {
  return (approvals ?? [])
    .filter((a) => a.decision)
    .map((a) => {
      const { decision, by, at, asAdmin, comment } = a.decision!;
      return {
        resource: null,
        stepId: PLAN_APPROVAL_STEP,
        decision,
        by,
        at,
        asAdmin: asAdmin ?? false,
        ...(comment !== undefined ? { comment } : {}),
        planHash: a.planHash,
      };
    });
}

/** Every approval decision taken: on which resource and step, what, by whom, when. */
export function approvalDecisions(resources: ResourceOutcome[]) {
  return resources.flatMap((r) =>
    (r.progress?.steps ?? [])
      .filter((s) => s.approval)
      .map((s) => {
        const { stepId, decision, by, at, asAdmin, comment, planHash } = s.approval!;
        return {
          resource: r.name,
          stepId,
          decision,
          by,
          at,
          asAdmin: asAdmin ?? false,
          ...(comment !== undefined ? { comment } : {}),
          ...(planHash !== undefined ? { planHash } : {}),
        };
      }),
  );
}
