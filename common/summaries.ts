/**
 * What the Temporal Web UI and CLI show of a request's workflows (Temporal's user metadata): a
 * one-line static summary and markdown static details for each workflow of the tree, a summary
 * for each activity, and the request workflow's current details (its progress in a few lines).
 * Pure text from names, sizes, step and task IDs and states, never from a task's input or a
 * spec's free fields, so no secret can reach them. Run in workflow code and by the API's starter.
 */
import type { RequestedResource, RequestProgress, RequestWorkflowInput, ResourceOutcome } from './request';
import type { FanOutItem, StepProgress, Template, TemplatePlan, TemplateProgress } from './template';

/** Longest error text shown in current details; the status route has the whole of it. */
const ERROR_CHARS = 200;
/** Resources listed one per line in current details before the rest are counted. */
const LISTED_RESOURCES = 10;

const kinds: Record<string, string> = { virtual_machine: 'VM' };

function kindOf(type: string): string {
  return kinds[type] ?? type.replace(/_/g, ' ');
}

/** How it is built: by TFE or AWX for a VM; a network is built in ACI and vCenter whatever `managed` says. */
function management(r: Pick<RequestedResource, 'managed' | 'type'>): string {
  if (r.type === 'network') return 'ACI + vCenter';
  return r.managed ? 'managed (TFE)' : 'unmanaged (AWX)';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The size and place of a resource, from the spec fields known to be plain facts. */
function specParts(r: RequestedResource): string[] {
  if (r.action === 'create' && r.type === 'network')
    return [str(r.spec.subnet), str(r.spec.tenant) && `${r.spec.tenant}/${str(r.spec.vrf) ?? ''}`].filter(
      (x): x is string => !!x,
    );
  if ((r.action !== 'create' && r.action !== 'update') || r.type !== 'virtual_machine') return [];
  const cpu = num(r.spec.cpu);
  const memory = num(r.spec.memoryGb);
  const network = str(r.spec.network);
  return [
    ...(cpu !== undefined ? [`${cpu} CPU`] : []),
    ...(memory !== undefined ? [`${memory} GB`] : []),
    ...(network ? [network] : []),
  ];
}

/** What an action other than a create says first: "Delete ", "Change ", "Power off ", "Extend the lease of ". */
function actionPrefix(r: RequestedResource): string {
  if (r.action === 'power') return `Power ${str(r.spec.power) ?? ''} `;
  if (r.action === 'lease') return 'Extend the lease of ';
  return r.action === 'delete' ? 'Delete ' : r.action === 'update' ? 'Change ' : '';
}

/** One line: "VM web-01 · 2 CPU · 8 GB · INTRANET_DEV · unmanaged (AWX)"; another action says so first. */
export function resourceSummary(r: RequestedResource): string {
  const what = `${actionPrefix(r)}${kindOf(r.type)} ${r.name}`;
  return [what, ...specParts(r), management(r)].join(' · ');
}

/** Markdown lines of a resource's facts: the summary's, the OS image, disks, placement, lease, group. */
function resourceFacts(r: RequestedResource): string[] {
  const facts: string[] = [];
  if (r.action === 'create' && r.type === 'virtual_machine') {
    const os = str(r.spec.osImage);
    if (os) facts.push(`OS image ${os}`);
    const disks = Array.isArray(r.spec.disks)
      ? r.spec.disks
          .map((d) => num((d as { sizeGb?: unknown } | null)?.sizeGb))
          .filter((d) => d !== undefined)
      : [];
    if (disks.length) facts.push(`disks ${disks.map((d) => `${d} GB`).join(' + ')}`);
    const placement = r.spec.placement as { cluster?: unknown; datastore?: unknown } | undefined;
    const where = [str(placement?.cluster), str(placement?.datastore)].filter(Boolean).join(' / ');
    if (where) facts.push(`placed on ${where}`);
    const lease = str(r.spec.leaseEnd);
    if (lease) facts.push(`lease ends ${lease}`);
  }
  if (r.group) facts.push(`owned by group ${r.group}`);
  return facts;
}

/** The request workflow's one line: who asks for what. */
export function requestSummary(input: RequestWorkflowInput): string {
  const rs = input.resources;
  if (rs.length === 1) return `${input.requester} asks for ${resourceSummary(rs[0]!)}`;
  const names = rs
    .slice(0, 5)
    .map((r) => `${r.action === 'create' ? '' : `${r.action} `}${kindOf(r.type)} ${r.name}`)
    .join(', ');
  return `${input.requester} asks for ${rs.length} resources: ${names}${rs.length > 5 ? ', …' : ''}`;
}

/** The request workflow's static details (markdown): the IDs, the choices, each resource in full. */
export function requestDetails(input: RequestWorkflowInput, templates: string[]): string {
  const pause = input.onFailure === 'pause';
  return [
    `**Request** \`${input.requestId}\` · trace \`${input.traceId}\``,
    `Asked by **${input.requester}** (${input.requesterRole})${input.rerunOf ? `, re-running \`${input.rerunOf}\`` : ''}`,
    `On a failed step: ${pause ? `pause${input.pauseTimeout ? ` up to ${input.pauseTimeout}` : ''}, then resume or abort` : 'undo and fail'}`,
    '',
    ...input.resources.map((r, i) => {
      const facts = resourceFacts(r);
      return `- ${resourceSummary(r)}${facts.length ? ` (${facts.join(', ')})` : ''}, template \`${templates[i]}\``;
    }),
  ].join('\n');
}

/** A template's steps as markdown lines: each step, what it does or calls. */
function outline(template: Template): string[] {
  return template.steps.map((s) => {
    const calls =
      'task' in s && s.task
        ? `calls \`${s.task}\``
        : 'template' in s && s.template
          ? `runs template \`${s.template.name}\``
          : 'approval' in s && s.approval
            ? `waits for approval by ${Array.isArray(s.approval.groups) ? s.approval.groups.join(' or ') : `the groups \`${s.approval.groups}\` names`}`
            : 'waits';
    const each = 'forEach' in s && s.forEach ? ' for each item' : '';
    return `- \`${s.id}\`: ${calls}${each}${s.description ? ` (${s.description})` : ''}`;
  });
}

/** Where a template workflow stands in its request: for whom, which request and trace. */
export interface TemplateContext {
  traceId: string;
  requestId: string;
  requester?: string;
}

/** The static details of a template workflow (markdown): what it is for, its template, its steps. */
export function templateDetails(plan: TemplatePlan, context: TemplateContext, heading: string[]): string {
  const template = plan.templates[plan.entry]!;
  return [
    ...heading,
    `Template \`${plan.entry}\`: ${template.description}`,
    `Request \`${context.requestId}\` · trace \`${context.traceId}\`${context.requester ? ` · asked by ${context.requester}` : ''}`,
    '',
    ...outline(template),
  ].join('\n');
}

/** The static details of a resource's template workflow: the resource in full, the commit it reads. */
export function resourceDetails(
  r: RequestedResource,
  plan: TemplatePlan,
  context: TemplateContext,
  committed?: { repoUrl: string; commit: string },
): string {
  const facts = resourceFacts(r);
  return templateDetails(plan, context, [
    `**${resourceSummary(r)}**${facts.length ? ` (${facts.join(', ')})` : ''}`,
    ...(committed ? [`Reads commit \`${committed.commit}\` of ${committed.repoUrl}`] : []),
  ]);
}

/** How a template's own child or activity serves a step: which step, which item, or its undo. */
export interface StepCall {
  stepId: string;
  item?: FanOutItem;
  undo?: boolean;
}

/** "step build", "step build [web-01]", "undo of step build [web-01]". */
export function stepLabel(call: StepCall): string {
  return `${call.undo ? 'undo of step' : 'step'} ${call.stepId}${call.item ? ` [${call.item.key}]` : ''}`;
}

/** The summary of a child a template starts: a sub-template, a fan-out item or an undo. */
export function childSummary(plan: TemplatePlan, parent: string, call: StepCall): string {
  return `${stepLabel(call)} of ${parent} · template ${plan.templates[plan.entry]!.name}`;
}

/** An activity's summary: what it does for the workflow (a step, say) and the task it calls. */
export function activitySummary(what: string, taskId: string): string {
  return `${what} · ${taskId}`;
}

function line(r: ResourceOutcome): string {
  const what = `${kindOf(r.type)} ${r.name}`;
  if (r.paused) {
    return `- ${what}: **paused** at step \`${r.paused.stepId}\` until ${r.paused.deadline}: ${clip(r.paused.error.message)}`;
  }
  if (r.state === 'failed') {
    const where = r.error?.stepId ? ` at step \`${r.error.stepId}\`` : '';
    const undone = r.compensated?.length ? ` (undone: ${r.compensated.join(', ')})` : '';
    return `- ${what}: **failed**${where}: ${clip(r.error?.message ?? 'unknown error')}${undone}`;
  }
  return `- ${what}: ${r.state}`;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > ERROR_CHARS ? `${one.slice(0, ERROR_CHARS - 1)}…` : one;
}

/** The request workflow's current details (markdown): its status, then each resource's state. */
export function requestCurrentDetails(state: RequestProgress): string {
  const done = state.resources.filter((r) => r.state === 'succeeded').length;
  const shown = state.resources.slice(0, LISTED_RESOURCES).map(line);
  const rest = state.resources.length - shown.length;
  const queued = state.queued;
  return [
    `**${state.status}** · ${done} of ${state.resources.length} resource${state.resources.length === 1 ? '' : 's'} done`,
    ...(queued
      ? [
          `waiting for its turn since ${queued.since}: ${queued.running} of the requester's requests run (at most ${queued.limit}), ${queued.ahead} wait before it`,
        ]
      : []),
    ...shown,
    ...(rest > 0 ? [`- and ${rest} more`] : []),
  ].join('\n');
}

function stepLine(step: StepProgress): string {
  const attempts = step.attempts > 1 ? ` (attempt ${step.attempts})` : '';
  const items = step.items ? ` · items ${step.items.succeeded} of ${step.items.total} done` : '';
  const ids = Object.entries(step.externalIds)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const why =
    step.state === 'failed' || step.state === 'paused'
      ? `: ${clip(step.lastError?.message ?? 'unknown error')}`
      : step.state === 'skipped' && step.skipReason
        ? `: ${clip(step.skipReason)}`
        : '';
  return `- \`${step.id}\`: ${step.state}${attempts}${items}${ids ? ` · ${ids}` : ''}${why}`;
}

/** A template workflow's current details (markdown): its status, then each step that has started. */
export function templateCurrentDetails(progress: TemplateProgress): string {
  const done = progress.steps.filter((s) => ['succeeded', 'skipped', 'compensated'].includes(s.state)).length;
  return [
    `**${progress.status}** · ${done} of ${progress.steps.length} steps done`,
    ...progress.steps.filter((s) => s.state !== 'pending').map(stepLine),
  ].join('\n');
}
