/**
 * The e-mails about a request, in the words of the person who asked: "received" with what was
 * asked, and the outcome ("Your VM web-01 (2 CPU, 8 GB, INTRANET_DEV) is ready at 10.20.0.10", or
 * "… could not be built: AWX reports: no capacity on cluster CL-DEV-01") with what to do next and
 * links to the request's portal page, its status in the API and the resources' pages. The IDs
 * engineers need come last. Each notice has a plain-text and an HTML part rendered from one
 * model, every value escaped in the HTML. Pure: runs in workflow code.
 */
import type {
  PlanApproval,
  RequestedResource,
  RequestProgress,
  RequestWorkflowInput,
  ResourceOutcome,
} from './request';
import type { StepError } from './template';

/** One e-mail: its subject and its two renderings of the same content. */
export interface Notice {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph of the body: prose, a list, or labelled links. */
type Block =
  | { kind: 'para'; text: string }
  | { kind: 'list'; title?: string; items: string[] }
  | { kind: 'links'; title: string; links: { label: string; url: string }[] }
  | { kind: 'ids'; ids: { label: string; value: string; url?: string }[] };

interface NoticeModel {
  subject: string;
  blocks: Block[];
}

/** How the end systems are called in a person's sentence. */
const systemNames: Record<string, string> = {
  awx: 'AWX',
  tfe: 'Terraform Enterprise',
  vcenter: 'vCenter',
  aci: 'Cisco ACI',
  git: 'the resource repository (git)',
  ipam: 'IP address management',
  smtp: 'the mail server',
};

/** How a resource type is called in a sentence; unknown types by their name, underscores spaced. */
const typeNouns: Record<string, { one: string; many: string }> = {
  virtual_machine: { one: 'VM', many: 'VMs' },
};

function noun(type: string, count = 1): string {
  const known = typeNouns[type];
  const spaced = type.replace(/_/g, ' ');
  return count === 1 ? (known?.one ?? spaced) : (known?.many ?? `${spaced}s`);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "web-01, web-02 and 3 more". */
function names(list: string[], shown = 3): string {
  if (list.length <= shown)
    return list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list.at(-1)}` : list.join('');
  return `${list.slice(0, shown).join(', ')} and ${list.length - shown} more`;
}

/** The request's base URL, where its portal pages live: the API's public URL the status link starts with. */
function publicBase(input: RequestWorkflowInput): string {
  return input.statusUrl.replace(/\/v1\/requests\/[^/]+$/, '');
}

const portalPage = (input: RequestWorkflowInput) => `${publicBase(input)}/requests/${input.requestId}`;
const resourcePage = (input: RequestWorkflowInput, type: string, name: string) =>
  `${publicBase(input)}/resources/${encodeURIComponent(type)}/${encodeURIComponent(name)}`;

/** The few facts that make a resource recognisable in a subject: "2 CPU, 8 GB, INTRANET_DEV". */
function keyFacts(r: RequestedResource): string[] {
  const s = r.spec;
  const facts: string[] = [];
  if (typeof s.cpu === 'number') facts.push(`${s.cpu} CPU`);
  if (typeof s.memoryGb === 'number') facts.push(`${s.memoryGb} GB`);
  if (typeof s.network === 'string') facts.push(s.network);
  if (typeof s.subnet === 'string') facts.push(s.subnet);
  return facts;
}

/** "VM web-01 (2 CPU, 8 GB, INTRANET_DEV)" for a create, its new size for an update, "VM web-01" otherwise. */
export function describeResource(r: RequestedResource): string {
  const facts = r.action === 'create' || r.action === 'update' ? keyFacts(r) : [];
  return `${noun(r.type)} ${r.name}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

/** Everything else asked for a create, one phrase each: image, disks, how it is built, lease, tags. */
function otherFacts(r: RequestedResource): string[] {
  const s = r.spec;
  const out: string[] = [];
  if (typeof s.osImage === 'string') out.push(`image ${s.osImage}`);
  if (Array.isArray(s.disks)) {
    const sizes = (s.disks as { sizeGb?: unknown }[])
      .map((d) => d.sizeGb)
      .filter((g) => typeof g === 'number');
    if (sizes.length)
      out.push(`${sizes.length === 1 ? 'disk' : 'disks'} ${sizes.map((g) => `${g} GB`).join(' + ')}`);
  }
  if (r.type === 'virtual_machine') out.push(r.managed ? 'managed by Terraform' : 'built by AWX');
  if (typeof s.leaseEnd === 'string') out.push(`until ${s.leaseEnd}`);
  const placement = s.placement as { cluster?: unknown; datastore?: unknown } | undefined;
  if (placement && typeof placement.cluster === 'string') out.push(`on cluster ${placement.cluster}`);
  if (placement && typeof placement.datastore === 'string') out.push(`on datastore ${placement.datastore}`);
  if (r.group) out.push(`shared with group ${r.group}`);
  return out;
}

/** What a day-2 change is called, by its action: "change", "power-off", "restart". */
function changeName(r: Pick<RequestedResource, 'action' | 'spec'>): string {
  if (r.action !== 'power') return 'change';
  return r.spec.power === 'restart' ? 'restart' : `power-${String(r.spec.power)}`;
}

/** What a day-2 change that succeeded did: "has been changed", "is powered off", "has been restarted". */
function changeDone(r: Pick<RequestedResource, 'action' | 'spec'>): string {
  if (r.action !== 'power') return 'has been changed';
  return r.spec.power === 'restart' ? 'has been restarted' : `is powered ${String(r.spec.power)}`;
}

/** One line of the "what you asked" list. */
function askedLine(r: RequestedResource): string {
  if (r.action === 'delete') return `Remove ${describeResource(r)}`;
  if (r.action === 'lease')
    return `Keep ${describeResource(r)} until ${String(r.spec.leaseEnd)}, beyond the maximum lease: it waits for an approval`;
  if (r.action === 'update' || r.action === 'power') {
    const name = changeName(r);
    return `${name[0]!.toUpperCase()}${name.slice(1)} of ${describeResource(r)}`;
  }
  const more = otherFacts(r);
  return `${describeResource(r)}${more.length ? `: ${more.join(', ')}` : ''}`;
}

/**
 * The upstream's reason in a sentence: "AWX reports: no capacity on cluster CL-DEV-01". An Ansible
 * `FAILED! => {…}` line gives its `msg`; a Terraform log its `Error:` line; otherwise the first
 * line the upstream said, or the failure's own message when the upstream said nothing.
 */
export function readableReason(error: (StepError & { stepId?: string }) | undefined): string {
  if (!error) return 'the reason was not recorded';
  const said = error.upstreamMessage ? upstreamSentence(error.upstreamMessage) : undefined;
  const system =
    error.system && error.system !== 'template' ? (systemNames[error.system] ?? error.system) : undefined;
  if (said && system) return `${system} reports: ${said}`;
  if (said) return said;
  const first = firstLine(error.message);
  return system ? `${system} reports: ${first}` : first;
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? text
  );
}

function upstreamSentence(message: string): string | undefined {
  const lines = message
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const line of lines) {
    const ansible = /FAILED! => (\{.*\})\s*$/.exec(line);
    if (!ansible) continue;
    try {
      const msg = (JSON.parse(ansible[1]!) as { msg?: unknown }).msg;
      if (typeof msg === 'string' && msg.trim()) return msg.trim();
    } catch {
      // Not JSON after all (cut short by the bound): the line itself is the reason.
      return line;
    }
  }
  const terraform = lines.find((l) => /^(│\s*)?Error: /.test(l));
  if (terraform) return terraform.replace(/^(│\s*)?Error: /, '');
  return lines[0];
}

/** What the template gave back that a person wants: the address, the VM, its power state. */
function builtFacts(output: unknown): string[] {
  if (!output || typeof output !== 'object') return [];
  const o = output as Record<string, unknown>;
  const out: string[] = [];
  if (typeof o.ipv4Address === 'string') out.push(`address ${o.ipv4Address}`);
  if (typeof o.vm === 'string') out.push(`vCenter VM ${o.vm}`);
  if (typeof o.powerState === 'string') out.push(o.powerState.toLowerCase().replace(/_/g, ' '));
  return out;
}

/** How a resource's line ends, by its action: [done, not done]. */
const outcomeWords: Record<ResourceOutcome['action'], [done: string, notDone: string]> = {
  create: ['ready', 'could not be built'],
  delete: ['removed', 'could not be removed'],
  update: ['changed', 'could not be changed'],
  power: ['changed', 'could not be changed'],
  lease: ['lease extended', 'lease not extended'],
};
const built = (r: ResourceOutcome) => outcomeWords[r.action][0];
const notDone = (r: ResourceOutcome) => outcomeWords[r.action][1];

/** One line per resource of the outcome. */
function outcomeLine(input: RequestWorkflowInput, r: ResourceOutcome): string {
  const asked = input.resources.find((x) => x.name === r.name && x.type === r.type);
  const what = asked ? describeResource(asked) : `${noun(r.type)} ${r.name}`;
  if (r.state === 'succeeded') {
    const facts = r.action === 'create' ? builtFacts(r.output) : [];
    return `${what}: ${built(r)}${facts.length ? ` (${facts.join(', ')})` : ''}`;
  }
  if (r.state === 'failed') {
    const at = r.error?.stepId ? ` (at step ${r.error.stepId})` : '';
    const undone = r.compensated?.length ? `; undone: ${r.compensated.join(', ')}` : '';
    const aborted = r.resumes?.find((d) => d.action === 'abort');
    const by = aborted ? `; aborted by ${aborted.by} at ${aborted.at}` : '';
    return `${what}: ${notDone(r)}: ${readableReason(r.error)}${at}${undone}${by}`;
  }
  if (r.state === 'cancelled') return `${what}: cancelled before it was done`;
  if (r.state === 'skipped') return `${what}: ${r.error?.message ?? 'not started'}`;
  return `${what}: ${r.state}`;
}

/** The summary of the request for a subject: "your VM web-01 (2 CPU, 8 GB, INTRANET_DEV)", "3 VMs (a, b and c)". */
function requestSummary(input: RequestWorkflowInput): string {
  const rs = input.resources;
  if (rs.length === 1) {
    const r = rs[0]!;
    const verbs = { create: '', delete: 'removal of ', lease: 'lease of ' } as const;
    const verb = r.action === 'update' || r.action === 'power' ? `${changeName(r)} of ` : verbs[r.action];
    return `${verb}${describeResource(r)}`;
  }
  const types = [...new Set(rs.map((r) => r.type))];
  const actions = [...new Set(rs.map((r) => r.action))];
  const kind = types.length === 1 ? noun(types[0]!, rs.length) : 'resources';
  const verb = actions.length === 1 && actions[0] === 'delete' ? 'removal of ' : '';
  return `${verb}${rs.length} ${kind} (${names(rs.map((r) => r.name))})`;
}

function engineerIds(input: RequestWorkflowInput, progress?: RequestProgress): Block {
  const failedExternal = (progress?.resources ?? [])
    .filter((r) => r.error?.externalId)
    .map((r) => ({ label: `${r.name}: upstream ID`, value: r.error!.externalId! }));
  return {
    kind: 'ids',
    ids: [
      { label: 'Request ID', value: input.requestId },
      { label: 'Trace ID', value: input.traceId },
      ...(input.rerunOf ? [{ label: 'Re-run of', value: input.rerunOf }] : []),
      ...(input.temporalUrl
        ? [
            {
              label: 'Temporal workflow',
              value: `${input.traceId}/${input.requestId}`,
              url: input.temporalUrl,
            },
          ]
        : []),
      ...failedExternal,
    ],
  };
}

function requestLinks(input: RequestWorkflowInput, resources: { type: string; name: string }[]): Block {
  return {
    kind: 'links',
    title: 'Links',
    links: [
      { label: 'The request in the portal', url: portalPage(input) },
      { label: 'Its status in the API (JSON)', url: input.statusUrl },
      ...resources.map((r) => ({
        label: `${noun(r.type)} ${r.name}`,
        url: resourcePage(input, r.type, r.name),
      })),
    ],
  };
}

/** The notice sent when the request starts. */
export function receivedNotice(input: RequestWorkflowInput): Notice {
  const rs = input.resources;
  const pausing = input.onFailure === 'pause';
  return render({
    subject: `Received: ${rs.length === 1 && rs[0]!.action === 'create' ? 'your ' : ''}${requestSummary(input)}`,
    blocks: [
      {
        kind: 'para',
        text: `Your request${input.rerunOf ? ` (a re-run of ${input.rerunOf})` : ''} was received from ${input.requester} and is being worked on. You will get another e-mail when it is done.`,
      },
      { kind: 'list', title: 'What was asked', items: rs.map(askedLine) },
      pausing
        ? {
            kind: 'para',
            text: `If a step fails, the request pauses for up to ${input.pauseTimeout ?? 'a day'} so that it can be retried once the cause is fixed, or aborted (which undoes what was done): POST ${input.statusUrl}/resume with {"action":"retry"} or {"action":"abort"}, or use the request's page. With no decision by then it is aborted.`,
          }
        : {
            kind: 'para',
            text: 'If a step fails, what was done is undone and the request ends failed; it can then be re-run once the cause is fixed.',
          },
      requestLinks(input, []),
      engineerIds(input),
    ],
  });
}

/** The subject of the outcome notice: the one resource in full, or how many of which came out how. */
function outcomeSubject(input: RequestWorkflowInput, progress: RequestProgress): string {
  const rs = progress.resources;
  if (progress.status === 'cancelled') return `Cancelled: your ${requestSummary(input)}`;
  if (rs.length === 1) {
    const r = rs[0]!;
    const asked = input.resources[0]!;
    if (r.state === 'succeeded') {
      const address = (r.output as { ipv4Address?: unknown } | undefined)?.ipv4Address;
      if (r.action === 'lease')
        return `Your ${describeResource(asked)}: lease extended to ${String(asked.spec.leaseEnd)}`;
      if (asked.action === 'update' || asked.action === 'power')
        return `Your ${describeResource(asked)} ${changeDone(asked)}`;
      return `Your ${describeResource(asked)} ${r.action === 'delete' ? 'has been removed' : `is ready${typeof address === 'string' ? ` at ${address}` : ''}`}`;
    }
    const joint = r.action === 'lease' ? ':' : '';
    return clip(`Your ${describeResource(asked)}${joint} ${notDone(r)}: ${readableReason(r.error)}`);
  }
  const ok = rs.filter((r) => r.state === 'succeeded');
  if (progress.status === 'succeeded')
    return `Your ${requestSummary(input)} ${rs.every((r) => r.action === 'delete') ? 'have been removed' : 'are done'}`;
  return `Your ${requestSummary(input)}: ${ok.length} of ${rs.length} done, ${rs.length - ok.length} not`;
}

/** A subject stays one readable line. */
function clip(subject: string, max = 160): string {
  const line = subject.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function nextSteps(input: RequestWorkflowInput, progress: RequestProgress): string[] {
  const failed = progress.resources.filter((r) => r.state === 'failed');
  const steps: string[] = [];
  if (progress.status === 'succeeded') {
    if (progress.resources.some((r) => r.action === 'create'))
      steps.push(
        "Each resource's page shows its details, its lease and the requests that made and changed it; to remove one, submit a request with action delete for it.",
      );
    if (progress.resources.some((r) => r.action === 'lease'))
      steps.push('Its page shows the new lease end; reminders come before it, as before.');
    return steps;
  }
  if (progress.status === 'cancelled') {
    steps.push(
      'Nothing more will happen: what the request had started was undone. Submit it again when you want it.',
    );
    return steps;
  }
  if (failed.some((r) => r.compensated?.length))
    steps.push('What was done for the failed resources was undone: nothing half-built is left behind.');
  const lease = input.resources.find((r) => r.action === 'lease');
  steps.push(
    lease
      ? `The lease is as it was. To ask again: POST ${input.statusUrl.slice(0, input.statusUrl.lastIndexOf('/requests/'))}/resources/${lease.type}/${lease.name}/lease with {"leaseEnd": "…"}, or the lease form on its page.`
      : `Once the cause is fixed, re-run the request (same trace, new request ID): POST ${input.statusUrl}/rerun, or use the re-run button on the request's page.`,
  );
  if (failed.some((r) => r.error?.type === 'ApprovalDenied'))
    steps.push(
      'It needed an approval that was not given: ask the approving group named above before re-running it.',
    );
  else
    steps.push(
      'If the cause is not yours to fix (capacity, credentials, a broken template), ask the team that runs the platform, quoting the trace ID below.',
    );
  return steps;
}

/** The notice sent when the request has ended, whatever the outcome. */
export function finishedNotice(input: RequestWorkflowInput, progress: RequestProgress): Notice {
  const rs = progress.resources;
  const headline =
    progress.status === 'succeeded'
      ? 'Your request is done.'
      : progress.status === 'cancelled'
        ? 'Your request was cancelled.'
        : rs.length === 1
          ? 'Your request failed.'
          : `Your request failed: ${plural(rs.filter((r) => r.state === 'failed').length, 'resource')} of ${rs.length} could not be done.`;
  // Pages for what exists now: what was built or changed, and what a failed delete left in place.
  const existing = rs.filter(
    (r) =>
      (r.action === 'create' && r.state === 'succeeded') ||
      (r.action === 'delete' && r.state !== 'succeeded') ||
      r.action === 'update' ||
      r.action === 'power',
  );
  return render({
    subject: outcomeSubject(input, progress),
    blocks: [
      { kind: 'para', text: headline },
      { kind: 'list', items: rs.map((r) => outcomeLine(input, r)) },
      { kind: 'list', title: 'What next', items: nextSteps(input, progress) },
      requestLinks(input, existing),
      engineerIds(input, progress),
    ],
  });
}

/** The notice sent when the plan changed before the request ran and waits for a decision on it. */
export function planChangedNotice(input: RequestWorkflowInput, approval: PlanApproval): Notice {
  const shown = approval.changes.slice(0, 20).map((c) => `${c.path}: ${c.message}`);
  const more = approval.changes.length - shown.length;
  const deciders = [
    ...(approval.requester ? [`its requester ${approval.requester}`] : []),
    ...(approval.groups.length ? [`an approver of ${approval.groups.join(' or ')}`] : []),
    'an admin',
  ].join(', ');
  return render({
    subject: `Plan changed, decision needed: ${requestSummary(input)}`,
    blocks: [
      {
        kind: 'para',
        text: `The plan of this request changed since it was submitted (${approval.previousPlanHash}): a template it runs was edited. Nothing was built. It now waits for a decision on the new plan ${approval.planHash} by ${deciders}, until ${approval.deadline}; it runs only that plan once approved, and ends failed if it is rejected or nobody decides.`,
      },
      {
        kind: 'list',
        title: 'What changed',
        items: [
          ...shown,
          ...(more > 0 ? [`and ${more} more`] : []),
          ...(shown.length ? [] : ['(not known)']),
        ],
      },
      {
        kind: 'para',
        text: `Look at the new plan on the request's page, then decide: POST ${input.statusUrl}/approve with {"stepId":"plan","decision":"approve" or "reject","planHash":"${approval.planHash}"}.`,
      },
      requestLinks(input, []),
      engineerIds(input),
    ],
  });
}

/** HTML-escapes a value for text and attribute positions alike. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(model: NoticeModel): Notice {
  return { subject: model.subject, text: renderText(model.blocks), html: renderHtml(model) };
}

function renderText(blocks: Block[]): string {
  const parts = blocks.map((b) => {
    switch (b.kind) {
      case 'para':
        return b.text;
      case 'list':
        return [...(b.title ? [`${b.title}:`] : []), ...b.items.map((i) => `  - ${i}`)].join('\n');
      case 'links':
        return [`${b.title}:`, ...b.links.map((l) => `  ${l.label}: ${l.url}`)].join('\n');
      case 'ids':
        return [
          '-- ',
          'For engineers:',
          ...b.ids.map((i) => `  ${i.label}: ${i.value}${i.url ? ` (${i.url})` : ''}`),
        ].join('\n');
    }
  });
  return `${parts.join('\n\n')}\n`;
}

function renderHtml(model: NoticeModel): string {
  const e = escapeHtml;
  const link = (url: string, label: string) => `<a href="${e(url)}">${e(label)}</a>`;
  const body = model.blocks.map((b) => {
    switch (b.kind) {
      case 'para':
        return `<p>${e(b.text)}</p>`;
      case 'list':
        return `${b.title ? `<h3 style="font-size:1em;margin:1em 0 0.3em">${e(b.title)}</h3>` : ''}<ul>${b.items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;
      case 'links':
        return `<h3 style="font-size:1em;margin:1em 0 0.3em">${e(b.title)}</h3><ul>${b.links.map((l) => `<li>${link(l.url, l.label)}</li>`).join('')}</ul>`;
      case 'ids':
        return `<hr><table style="font-size:0.85em;color:#555">${b.ids
          .map(
            (i) =>
              `<tr><td>${e(i.label)}</td><td><code>${i.url ? link(i.url, i.value) : e(i.value)}</code></td></tr>`,
          )
          .join('')}</table>`;
    }
  });
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${e(model.subject)}</title></head>`,
    '<body style="font-family:sans-serif;line-height:1.4">',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

/** What a lease notice is about. */
export interface LeaseNoticeSubject {
  type: string;
  name: string;
  traceId: string;
  leaseEnd: string;
  /** The resource in the inventory (`GET /v1/resources/{type}/{name}`). */
  resourceUrl: string;
}

/** The portal's page of a resource, beside its inventory entry in the API. */
const leasePage = (r: LeaseNoticeSubject) => r.resourceUrl.replace(/\/v1\/resources\//, '/resources/');

function leaseNotice(r: LeaseNoticeSubject, subject: string, lead: string): Notice {
  return render({
    subject: clip(subject),
    blocks: [
      { kind: 'para', text: lead },
      {
        kind: 'list',
        title: 'What next',
        items: [
          `To keep it longer, extend its lease on its page, or: POST ${r.resourceUrl}/lease with {"leaseEnd": "<a later ISO 8601 time>"}.`,
          'If you no longer need it, nothing needs doing: it is removed the way it was built and its address freed.',
        ],
      },
      {
        kind: 'links',
        title: 'Links',
        links: [
          { label: `Your ${noun(r.type)} ${r.name}`, url: leasePage(r) },
          { label: 'Its entry in the API', url: r.resourceUrl },
        ],
      },
      { kind: 'ids', ids: [{ label: 'Trace ID', value: r.traceId }] },
    ],
  });
}

/** The reminder sent `before` (as the admin wrote it, `7 days`) a lease ends. */
export function leaseReminderNotice(r: LeaseNoticeSubject, before: string): Notice {
  return leaseNotice(
    r,
    `Your ${noun(r.type)} ${r.name} will be removed in about ${before}, when its lease ends`,
    `The lease of your ${noun(r.type)} ${r.name} ends at ${r.leaseEnd}. Then it is removed.`,
  );
}

/** The notice sent when a lease has ended: the removal starts at `removalAt` unless extended. */
export function leaseEndedNotice(r: LeaseNoticeSubject, removalAt: string): Notice {
  return leaseNotice(
    r,
    `The lease of your ${noun(r.type)} ${r.name} has ended: it will be removed at ${removalAt}`,
    `The lease of your ${noun(r.type)} ${r.name} ended at ${r.leaseEnd}. It will be removed at ${removalAt} unless its lease is extended before then.`,
  );
}
