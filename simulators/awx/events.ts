/**
 * AWX job events, read from the job's stdout the way Ansible's callback emitted it: a
 * `playbook_on_start` with no text, then one event per play, task, host result and verbose line,
 * and the recap as `playbook_on_stats`. Each event holds the lines `[start_line, end_line)` of
 * stdout (blank lines belong to the event they precede), so the events tile stdout in order, as
 * `awx jobs monitor` relies on. An event never changes once it exists: the stdout only grows by
 * whole lines. Event ids are `job id * 1000 + counter`, stable without storing anything.
 */
import type { AwxJob, WorldState } from '../world';
import { finishedStatuses } from './serializers';

const API = '/api/v2';
const EVENTS_PER_JOB = 1000;

interface Kind {
  event: string;
  display: string;
  failed?: boolean;
  changed?: boolean;
  host?: boolean;
}

function kindOf(line: string): Kind {
  if (line.startsWith('PLAY RECAP')) return { event: 'playbook_on_stats', display: 'Playbook Complete' };
  if (line.startsWith('PLAY [')) return { event: 'playbook_on_play_start', display: 'Play Started' };
  if (line.startsWith('TASK [')) return { event: 'playbook_on_task_start', display: 'Task Started' };
  if (line.startsWith('ok: [')) return { event: 'runner_on_ok', display: 'Host OK', host: true };
  if (line.startsWith('changed: ['))
    return { event: 'runner_on_ok', display: 'Host OK', changed: true, host: true };
  if (line.startsWith('fatal: ['))
    return { event: 'runner_on_failed', display: 'Host Failed', failed: true, host: true };
  if (line.startsWith('skipping: ['))
    return { event: 'runner_on_skipped', display: 'Host Skipped', host: true };
  if (line.startsWith('ERROR!')) return { event: 'error', display: 'Error', failed: true };
  return { event: 'verbose', display: 'Verbose' };
}

/** A line that continues the event before it (the recap's per-host lines). */
const isContinuation = (line: string) => /^\S+\s+: ok=\d+/.test(line);

const bracketed = (line: string) => /\[(.*?)\]/.exec(line)?.[1] ?? '';

function uuidOf(job: number, counter: number): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `00000000-0000-4000-8${hex(job % 0x1000, 3)}-${hex(counter, 12)}`;
}

/** One job event as `GET /api/v2/jobs/{id}/job_events/` serves it. */
export type JobEvent = ReturnType<typeof eventsOf>[number];

/** The job's events so far, in order. */
export function eventsOf(job: AwxJob, world: WorldState) {
  const text = job.stdout.endsWith('\n') ? job.stdout.slice(0, -1) : job.stdout;
  const lines = text === '' ? [] : text.split('\n');
  const blocks: Array<{ start: number; end: number; first: string }> = [];
  let pendingFrom: number | null = null;
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      pendingFrom ??= index;
      return;
    }
    const last = blocks[blocks.length - 1];
    if (last && pendingFrom === null && isContinuation(line)) {
      last.end = index + 1;
      return;
    }
    blocks.push({ start: pendingFrom ?? index, end: index + 1, first: line });
    pendingFrom = null;
  });
  // Trailing blank lines of a finished job close its last event.
  const finished = finishedStatuses.has(job.status);
  if (finished && pendingFrom !== null && blocks.length > 0) blocks[blocks.length - 1]!.end = lines.length;

  const template = world.awx.job_templates[String(job.job_template)];
  const playbook = job.playbook;
  const created = job.started ?? job.created;
  const startUuid = uuidOf(job.id, 1);
  let play = '';
  let playUuid = '';
  let task = '';
  let taskUuid = '';
  const started = lines.length > 0;
  const events = started
    ? [
        {
          counter: 1,
          kind: { event: 'playbook_on_start', display: 'Playbook Started' } as Kind,
          start: 0,
          end: 0,
          play: '',
          task: '',
          parent: '',
        },
      ]
    : [];
  for (const block of blocks) {
    const kind = kindOf(block.first);
    if (kind.event === 'playbook_on_play_start') {
      play = bracketed(block.first);
      task = '';
    }
    const counter = events.length + 1;
    if (kind.event === 'playbook_on_task_start') task = bracketed(block.first);
    const parent =
      kind.event === 'playbook_on_play_start' || kind.event === 'playbook_on_stats'
        ? startUuid
        : kind.event === 'playbook_on_task_start'
          ? playUuid
          : kind.host
            ? taskUuid
            : '';
    if (kind.event === 'playbook_on_play_start') playUuid = uuidOf(job.id, counter);
    if (kind.event === 'playbook_on_task_start') taskUuid = uuidOf(job.id, counter);
    events.push({ counter, kind, start: block.start, end: block.end, play, task, parent });
  }
  return events.map((e) => {
    const id = job.id * EVENTS_PER_JOB + e.counter;
    const host = e.kind.host ? 'localhost' : '';
    return {
      id,
      type: 'job_event',
      url: `${API}/job_events/${id}/`,
      related: { job: `${API}/jobs/${job.id}/`, children: `${API}/job_events/${id}/children/` },
      summary_fields: {
        job: {
          id: job.id,
          name: job.name,
          status: job.status,
          failed: job.status === 'failed' || job.status === 'error',
          elapsed: 0,
          type: 'job',
          job_template_id: job.job_template,
          job_template_name: template?.name ?? job.name,
        },
        role: {},
      },
      created,
      modified: created,
      job: job.id,
      event: e.kind.event,
      counter: e.counter,
      event_display:
        e.play && e.kind.event === 'playbook_on_play_start'
          ? `${e.kind.display} (${e.play})`
          : e.kind.display,
      event_data: {
        playbook,
        ...(e.play ? { play: e.play } : {}),
        ...(e.task ? { task: e.task } : {}),
        ...(host ? { host, remote_addr: host } : {}),
      },
      event_level:
        e.kind.event === 'playbook_on_start'
          ? 0
          : e.kind.host
            ? 3
            : e.kind.event === 'playbook_on_task_start'
              ? 2
              : 1,
      failed: e.kind.failed === true,
      changed: e.kind.changed === true,
      uuid: uuidOf(job.id, e.counter),
      parent_uuid: e.parent,
      host: null,
      host_name: host,
      playbook,
      play: e.play,
      task: e.task,
      role: '',
      stdout: lines.slice(e.start, e.end).join('\n'),
      start_line: e.start,
      end_line: e.end,
      verbosity: e.kind.event === 'verbose' ? 1 : 0,
    };
  });
}

/** The event with `id` and the job it belongs to, or undefined. */
export function findEvent(id: number, world: WorldState): { job: AwxJob; event: JobEvent } | undefined {
  const job = world.awx.jobs[String(Math.floor(id / EVENTS_PER_JOB))];
  if (!job) return undefined;
  const event = eventsOf(job, world).find((e) => e.id === id);
  return event ? { job, event } : undefined;
}
