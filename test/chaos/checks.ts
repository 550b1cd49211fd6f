/**
 * The end-of-run audit: asks every system by its own API what exists, and compares it with what
 * the requests asked for. Each finding names the request or VM and falls in one class:
 * lost (a request or VM that did not end as it should), duplicated (something made twice),
 * orphaned (something a failed or unknown request left behind), stalled (a request not ended
 * within its bound), mismatched (the ledger and Temporal disagree) or unexpected (a VM meant to
 * succeed failed, or the reverse).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Pool } from 'pg';
import { AwxClient } from '../../activities/awx/client';
import { createVcenterDeps } from '../../activities/vcenter';
import { requestOutcome, type RequestProgress, type ResourceOutcome } from '../../common/request';
import { RequestStatus } from '../../common/search-attributes';
import type { EndSystemsConfig } from '../../platform/end-systems';
import type { Submission } from './workload';

export const findingClasses = [
  'lost',
  'duplicated',
  'orphaned',
  'stalled',
  'mismatched',
  'unexpected',
] as const;
export type FindingClass = (typeof findingClasses)[number];

export interface Finding {
  kind: FindingClass;
  what: string;
}

export interface AuditInput {
  submissions: Submission[];
  pool: Pool;
  temporal: Client;
  endSystems: EndSystemsConfig;
  simAdminUrl: string;
  gitDir: string;
  /** Prefix of every VM name of this run. */
  namePrefix: string;
  /** How long a request may take, from its ledger row to its end, before it counts as stalled. */
  stallBoundMs: (s: Submission) => number;
}

export interface Audit {
  findings: Finding[];
  /** VMs by how their request ended. */
  vms: { succeeded: number; failed: number };
  requests: { succeeded: number; failed: number; cancelled: number };
}

const terminal = ['succeeded', 'failed', 'cancelled'];

export async function audit(input: AuditInput): Promise<Audit> {
  const findings: Finding[] = [];
  const add = (kind: FindingClass, what: string) => findings.push({ kind, what });
  const counts = { succeeded: 0, failed: 0, cancelled: 0 };

  // The ledger, and one request per Idempotency-Key.
  const ledger = new Map<string, { status: string; outcome: RequestProgress | null; workflowId: string }>();
  for (const r of (await input.pool.query('SELECT request_id, status, outcome, workflow_id FROM requests'))
    .rows)
    ledger.set(r.request_id, { status: r.status, outcome: r.outcome, workflowId: r.workflow_id });
  const accepted = new Map<string, Submission>();
  for (const s of input.submissions) {
    if (s.refused) add('lost', `request ${s.request.index}: refused by the API: ${s.refused}`);
    else if (s.requestIds.size === 0) add('lost', `request ${s.request.index}: never accepted by the API`);
    if (s.requestIds.size > 1)
      add('duplicated', `request ${s.request.index}: one key gave requests ${[...s.requestIds].join(', ')}`);
    for (const id of s.requestIds) accepted.set(id, s);
  }
  for (const id of ledger.keys())
    if (!accepted.has(id)) add('duplicated', `ledger row ${id} belongs to no accepted submission`);

  // Stalled: a request that took longer than its bound to end, or has not ended within it.
  const times = new Map<string, { tookMs: number; ended: boolean }>();
  for (const r of (
    await input.pool.query<{ request_id: string; took_ms: number; ended: boolean }>(
      `SELECT r.request_id, (extract(epoch FROM coalesce(e.at, now()) - r.created_at) * 1000)::float8 AS took_ms,
              e.at IS NOT NULL AS ended
         FROM requests r
         LEFT JOIN LATERAL (SELECT min(at) AS at FROM request_status_events
                             WHERE request_id = r.request_id AND status = ANY($1)) e ON true`,
      [terminal],
    )
  ).rows)
    times.set(r.request_id, { tookMs: r.took_ms, ended: r.ended });
  for (const [id, s] of accepted) {
    const time = times.get(id);
    const bound = input.stallBoundMs(s);
    if (time && time.tookMs > bound)
      add(
        'stalled',
        `request ${s.request.index} (${id}): ${time.ended ? 'ended after' : 'not ended after'} ${Math.round(time.tookMs / 1000)} s, its bound ${Math.round(bound / 1000)} s`,
      );
  }

  // Temporal: every request workflow, and nothing left running.
  const workflows = new Map<string, WorkflowExecutionInfo>();
  for await (const wf of input.temporal.workflow.list({ query: `WorkflowType = 'requestWorkflow'` }))
    workflows.set(wf.workflowId, wf);
  // A built resource's own workflow lives on (its lease, its queue of actions): it must be there
  // for each built VM, and for nothing else.
  const keeping = new Set<string>();
  for await (const wf of input.temporal.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    const resource = /\/resource\/virtual_machine\/(.+)$/.exec(wf.workflowId)?.[1];
    if (wf.type === 'resourceWorkflow' && resource) keeping.add(resource);
    else add('lost', `workflow ${wf.workflowId} (${wf.type}) is still running`);
  }
  const known = new Set([...ledger.values()].map((r) => r.workflowId));
  for (const id of workflows.keys())
    if (!known.has(id)) add('duplicated', `request workflow ${id} has no ledger row`);

  // What each VM should be: built when its resource succeeded, absent otherwise.
  const expected = new Map<
    string,
    { outcome: ResourceOutcome | undefined; requestId: string; fails: boolean }
  >();
  for (const [requestId, s] of accepted) {
    const row = ledger.get(requestId);
    if (!row) {
      add('lost', `request ${s.request.index} (${requestId}): no ledger row`);
      continue;
    }
    if (!terminal.includes(row.status))
      add('lost', `request ${s.request.index} (${requestId}): still ${row.status}`);
    if (row.status === 'succeeded' || row.status === 'failed' || row.status === 'cancelled')
      counts[row.status]++;
    const wf = workflows.get(row.workflowId);
    if (!wf)
      add('lost', `request ${s.request.index} (${requestId}): Temporal has no workflow ${row.workflowId}`);
    else {
      const attribute = wf.typedSearchAttributes.get(RequestStatus);
      const closed =
        row.status === 'cancelled' ? 'CANCELLED' : row.status === 'failed' ? 'FAILED' : 'COMPLETED';
      if (wf.status.name !== closed || attribute !== row.status)
        add(
          'mismatched',
          `request ${s.request.index} (${requestId}): ledger ${row.status}, Temporal ${wf.status.name} with RequestStatus ${attribute}`,
        );
      if (wf.status.name === 'COMPLETED' || wf.status.name === 'FAILED') {
        const result = await requestOutcome(input.temporal.workflow.getHandle(row.workflowId).result());
        if (result.status !== row.status)
          add('mismatched', `request ${requestId}: ledger ${row.status}, workflow outcome ${result.status}`);
      }
    }
    for (const vm of s.request.vms) {
      const outcome = row.outcome?.resources?.find((r) => r.name === vm.name);
      expected.set(vm.name, { outcome, requestId, fails: vm.fails });
      // A cancelled request may have finished some VMs first; what exists must then match each outcome.
      const cancelled = s.cancel === 202 && row.status === 'cancelled';
      if (
        terminal.includes(row.status) &&
        !cancelled &&
        outcome?.state !== (vm.fails ? 'failed' : 'succeeded')
      )
        add(
          'unexpected',
          `VM ${vm.name} of request ${s.request.index}: ${outcome?.state ?? 'no outcome'}${outcome?.error ? ` (${outcome.error.message})` : ''}`,
        );
    }
  }
  const built = (name: string) => expected.get(name)?.outcome?.state === 'succeeded';
  const vms = { succeeded: 0, failed: 0 };
  for (const [, e] of expected)
    if (e.outcome?.state === 'succeeded') vms.succeeded++;
    else vms.failed++;

  // vCenter, asked by its own API: exactly the built VMs, each once.
  const { vcenter } = createVcenterDeps(input.endSystems.vcenter!);
  try {
    const byName = countBy((await vcenter.listVms()).map((v) => v.name));
    for (const [name, n] of byName) {
      if (!name.startsWith(input.namePrefix)) continue;
      if (n > 1) add('duplicated', `vCenter has ${n} VMs named ${name}`);
      if (!built(name)) add('orphaned', `vCenter has VM ${name}, whose resource did not succeed`);
    }
    for (const name of expected.keys())
      if (built(name) && !byName.has(name)) add('lost', `VM ${name} succeeded but vCenter has no such VM`);
  } finally {
    await vcenter.close();
  }

  // AWX, asked by its own API: at most one create job per VM, and at most one delete job (the
  // undo of a build cancelled after its job ran).
  const awxConfig = input.endSystems.awx!;
  const awx = new AwxClient({
    url: awxConfig.url,
    apiPrefix: awxConfig.apiPrefix,
    token: () => awxConfig.token.reveal(),
    timeoutMs: awxConfig.timeoutMs,
    tls: awxConfig.tls,
  });
  const vmJobs: string[] = [];
  let page: Awaited<ReturnType<AwxClient['listJobs']>> | undefined = await awx.listJobs({
    order_by: 'id',
    page_size: 200,
  });
  while (page) {
    for (const job of page.results) {
      const vars = JSON.parse(job.extra_vars ?? (await awx.readJob(job.id)).extra_vars ?? '{}') as {
        vm_name?: string;
      };
      if ((job.name === 'vm-create' || job.name === 'vm-delete') && vars.vm_name)
        vmJobs.push(`${job.name} jobs for ${vars.vm_name}`);
    }
    page = await awx.nextPage(page);
  }
  // A re-run acts on its VMs again: each request on a VM may run its own job (or TFE run).
  const requestsOn = countBy([...accepted.values()].flatMap((s) => s.request.vms.map((v) => v.name)));
  const allowed = (vmName: string) => Math.max(1, requestsOn.get(vmName) ?? 0);
  for (const [what, n] of countBy(vmJobs))
    if (n > allowed(what.slice(what.indexOf(' for ') + 5))) add('duplicated', `AWX ran ${n} ${what}`);

  // TFE, from the simulator's own records: at most one apply run per workspace, and at most one
  // destroy run (the undo of a build cancelled or failed after it may have applied), per request
  // that acted on its VM.
  const world = (await (await fetch(`${input.simAdminUrl}/_sim/world`)).json()) as {
    sections: {
      tfe?: {
        workspaces: Record<string, { name: string }>;
        runs: Record<string, { workspace_id: string; is_destroy: boolean }>;
      };
    };
  };
  const tfe = world.sections.tfe;
  if (tfe) {
    const runs = countBy(
      Object.values(tfe.runs).map(
        (r) =>
          `${r.is_destroy ? 'destroy' : 'apply'} runs in ${tfe.workspaces[r.workspace_id]?.name ?? r.workspace_id}`,
      ),
    );
    // A workspace is named by a prefix and its VM's name.
    const allowedIn = (workspace: string) =>
      Math.max(1, ...[...requestsOn].filter(([vm]) => workspace.endsWith(vm)).map(([, n]) => n));
    for (const [what, n] of runs)
      if (n > allowedIn(what.slice(what.indexOf(' runs in ') + 9))) add('duplicated', `TFE has ${n} ${what}`);
  }

  // Git: one write commit per request and type, at most one removal commit.
  const commits = gitCommits(input.gitDir);
  for (const [requestId, s] of accepted) {
    const mine = commits.filter((c) => c.requestId === requestId);
    const writes = mine.filter((c) => c.kind === 'write').length;
    const removals = mine.filter((c) => c.kind === 'remove').length;
    if (writes > 1)
      add('duplicated', `request ${s.request.index} (${requestId}) has ${writes} write commits`);
    if (removals > 1)
      add('duplicated', `request ${s.request.index} (${requestId}) has ${removals} removal commits`);
    if (writes === 0 && ledger.get(requestId)?.status === 'succeeded')
      add('lost', `request ${s.request.index} (${requestId}) succeeded without a commit`);
  }

  // IP addresses: one live address per built VM, none for the rest.
  const live = (
    await input.pool.query<{ resource_name: string; address: string }>(
      `SELECT resource_name, host(address) AS address FROM ip_allocations WHERE released_at IS NULL`,
    )
  ).rows;
  for (const [address, n] of countBy(live.map((r) => r.address)))
    if (n > 1) add('duplicated', `address ${address} is live ${n} times`);
  const liveByName = countBy(live.map((r) => r.resource_name));
  for (const [name, n] of liveByName) {
    if (!name.startsWith(input.namePrefix)) continue;
    if (n > 1) add('duplicated', `VM ${name} holds ${n} live addresses`);
    if (!built(name)) add('orphaned', `VM ${name} did not succeed but still holds an address`);
  }
  for (const name of expected.keys())
    if (built(name) && !liveByName.has(name)) add('lost', `VM ${name} succeeded without a live address`);
  for (const name of expected.keys())
    if (built(name) && !keeping.has(name)) add('lost', `VM ${name} succeeded without its resource workflow`);
  for (const name of keeping)
    if (name.startsWith(input.namePrefix) && !built(name))
      add('orphaned', `VM ${name} did not succeed but its resource workflow runs`);

  return { findings, vms, requests: counts };
}

function countBy(values: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return map;
}

/** Every commit of every bare repository RFM pushed to, with the request it names. */
function gitCommits(gitDir: string): { requestId: string; kind: 'write' | 'remove' | 'other' }[] {
  if (!existsSync(gitDir)) return [];
  return readdirSync(gitDir)
    .filter((d) => d.endsWith('.git'))
    .flatMap((repo) => {
      const log = execFileSync(
        'git',
        ['--git-dir', path.join(gitDir, repo), 'log', '--all', '--format=%s%x1f%b%x1e'],
        {
          encoding: 'utf8',
        },
      );
      return log
        .split('\x1e')
        .map((entry) => entry.trim())
        .filter(Boolean)
        .map((entry) => {
          const [subject = '', body = ''] = entry.split('\x1f');
          const requestId = /Request-Id: (\S+)/.exec(body)?.[1] ?? '';
          const kind = subject.includes(': write ')
            ? 'write'
            : subject.includes(': remove ')
              ? 'remove'
              : 'other';
          return { requestId, kind } as const;
        });
    });
}
