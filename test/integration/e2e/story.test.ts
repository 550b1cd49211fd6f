/**
 * A request's story: the status shows every step and external ID while the request runs (the AWX
 * job the moment its launch answered) and after it ended (from the ledger); the event stream
 * sends every change in order, ends with the outcome and resumes after `Last-Event-ID`; a
 * cancelled request says `cancelling` until it is done.
 */
import assert from 'node:assert/strict';
import type { RequestEvent } from '../../../common/request';
import type { StepProgress } from '../../../common/template';
import { waitFor } from '../../../platform/net';
import { e2e, vm, type E2e } from './fixture';

type Step = StepProgress & { links: Record<string, string> };
interface StoryView {
  status: string;
  history: { status: string }[];
  resources: { name: string; state: string; progress?: { steps: Step[] } }[];
}

/** Reads the request's event stream to its end (the server closes it after the outcome). */
async function readStream(
  t: E2e,
  token: string,
  requestId: string,
  lastEventId?: number,
): Promise<{ status: number; contentType: string; events: (RequestEvent & { id: number })[] }> {
  // A stream that does not end fails the test with what it sent, instead of hanging it.
  const res = await fetch(`${t.api.baseUrl}/v1/requests/${requestId}/events`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}),
    },
    signal: AbortSignal.timeout(120_000),
  });
  let text = '';
  try {
    for await (const chunk of res.body!) text += Buffer.from(chunk).toString('utf8');
  } catch (err) {
    throw new Error(`the stream did not end: ${(err as Error).message}; it sent:\n${text}`);
  }
  const events = text
    .split('\n\n')
    .map((block) =>
      Object.fromEntries(
        block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      ),
    )
    .filter((f) => f.data !== undefined)
    .map((f) => {
      const e = JSON.parse(f.data!) as RequestEvent;
      assert.equal(f.event, e.type, 'the SSE event type is the event type');
      return { ...e, id: Number(f.id) };
    });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', events };
}

describe("a request's story: status during and after the run, and its event stream", function () {
  this.timeout(150_000);
  let t: E2e;
  let ann: string;
  const jobOf = (name: string) =>
    Object.values(t.stack.sims.world.state.awx.jobs).find((j) => j.extra_vars.includes(`"${name}"`));
  const view = async (id: string) =>
    (await t.api.call<StoryView>('GET', `/v1/requests/${id}`, { token: ann })).body;
  const stepsOf = (v: StoryView) => new Map((v.resources[0]?.progress?.steps ?? []).map((s) => [s.id, s]));

  before(async () => {
    t = await e2e();
    ann = await t.requester('ann-story');
  });
  afterEach(() => t.stack.sims.world.setDurations({ 'awx.running': null }));

  it('shows the AWX job within a second of its launch, keeps each step after the end, and streams it in order', async () => {
    // The job runs long enough to be seen running.
    t.stack.sims.world.setDurations({ 'awx.running': 3_000 });
    const name = `story-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(ann, { resources: [vm(name)] });
    const streamed = readStream(t, ann, requestId);

    // The bound: a second, or five status calls as long as one takes now on this machine (the job
    // travels through three workflow tasks, as a status call does through one query).
    const before = Date.now();
    await view(requestId);
    const bound = Math.max(1_000, 5 * (Date.now() - before));
    await waitFor('the AWX job to be launched', async () => jobOf(name) !== undefined, 60_000, 50);
    const job = String(jobOf(name)!.id);
    const launched = Date.now();
    await waitFor(
      'the AWX job in the build step of the status',
      async () => stepsOf(await view(requestId)).get('build')?.externalIds.awxJob === job,
      bound,
      100,
    );
    console.log(
      `      (the AWX job was in the status ${Date.now() - launched} ms after its launch; bound ${bound} ms)`,
    );
    const during = stepsOf(await view(requestId)).get('build')!;
    assert.equal(during.state, 'running', 'the job is known while the build still waits for it');
    assert.equal(
      during.links.awxJob,
      `${t.stack.endSystemsEnv.AWX_URL!.replace(/\/$/, '')}/#/jobs/playbook/${job}`,
    );

    const ended = await t.settle(ann, requestId);
    assert.equal(ended.status, 'succeeded', JSON.stringify(ended.resources));
    // After the end the story is the ledger's: each step with its times and external IDs.
    const steps = stepsOf(await view(requestId));
    for (const id of ['read', 'renderCreate', 'renderDelete', 'build', 'find', 'vm']) {
      const s = steps.get(id)!;
      assert.equal(s.state, 'succeeded', id);
      assert.ok(
        s.attempts >= 1 && s.startedAt && s.endedAt && s.startedAt <= s.endedAt,
        `${id}: ${JSON.stringify(s)}`,
      );
    }
    assert.equal(steps.get('capacity')?.state, 'skipped');
    assert.match(steps.get('read')!.externalIds.gitCommit!, /^[0-9a-f]{40}$/);
    assert.equal(steps.get('build')!.externalIds.awxJob, job);
    assert.ok(steps.get('build')!.externalIds.awxJobTemplate, 'the job template the child found');
    assert.ok(steps.get('build')!.links.awxJobTemplate);
    assert.match(steps.get('find')!.externalIds.vcenterVm!, /^vm-/);
    const { rows } = await t.stack.pool.query('SELECT outcome FROM requests WHERE request_id = $1', [
      requestId,
    ]);
    assert.equal(rows[0].outcome.resources[0].progress.steps.length, steps.size, 'kept in the ledger');

    const stream = await streamed;
    assert.equal(stream.status, 200);
    assert.match(stream.contentType, /^text\/event-stream/);
    const { events } = stream;
    assert.deepEqual(
      events.map((e) => e.id),
      events.map((_, i) => i + 1),
      'ids count from 1, one per event, in order',
    );
    assert.deepEqual(events[0]!.data, { status: 'running' });
    const last = events.at(-1)!;
    assert.equal(last.type, 'outcome');
    assert.equal((last.data as { status: string }).status, 'succeeded');
    const buildStates = events
      .filter((e) => e.type === 'step' && e.data.step.id === 'build')
      .map((e) => (e.type === 'step' ? [e.data.step.state, e.data.step.externalIds.awxJob] : []));
    assert.deepEqual(
      [...new Set(buildStates.map(([state]) => state))],
      ['pending', 'running', 'succeeded'],
      JSON.stringify(buildStates),
    );
    assert.ok(
      buildStates.some(([state, id]) => state === 'running' && id === job),
      `the job was told while the build ran: ${JSON.stringify(buildStates)}`,
    );
    assert.deepEqual(buildStates.at(-1), ['succeeded', job]);

    // Reconnecting after the fifth event gives the rest, and nothing twice.
    const resumed = await readStream(t, ann, requestId, 5);
    assert.deepEqual(resumed.events, events.slice(5));
    assert.equal(
      (await readStream(t, ann, requestId, last.seq)).events.length,
      0,
      'nothing after the outcome',
    );

    // Authorised like the status: someone else's request does not exist.
    const stranger = await t.requester('stranger-story');
    const refused = await t.api.call('GET', `/v1/requests/${requestId}/events`, { token: stranger });
    assert.equal(refused.status, 404);
    const bad = await t.api.call('GET', `/v1/requests/${requestId}/events`, {
      token: ann,
      headers: { 'last-event-id': 'soon' },
    });
    assert.equal(bad.status, 400);
  });

  it('says cancelling from the cancel until what was built is undone', async () => {
    t.stack.sims.world.setDurations({ 'awx.running': 60_000 });
    const name = `story-cancel-${Date.now().toString(36)}`;
    const { requestId } = await t.submit(ann, { resources: [vm(name)] });
    await waitFor('the AWX job to be launched', async () => jobOf(name) !== undefined, 60_000, 50);
    const cancel = await t.api.call('POST', `/v1/requests/${requestId}/cancel`, { token: ann });
    assert.equal(cancel.status, 202);
    // The job cancelled runs its long length no more; the removal's job runs the usual one.
    t.stack.sims.world.setDurations({ 'awx.running': null });
    assert.equal((await view(requestId)).status, 'cancelling');
    const ended = await t.settle(ann, requestId);
    assert.equal(ended.status, 'cancelled');
    const after = await view(requestId);
    assert.deepEqual(
      after.history.map((h) => h.status).slice(-2),
      ['cancelling', 'cancelled'],
      JSON.stringify(after.history),
    );
    const build = stepsOf(after).get('build')!;
    assert.equal(build.externalIds.awxJob, String(jobOf(name)!.id), 'the cancelled job stays in the story');
    const { events } = await readStream(t, ann, requestId);
    const statuses = events
      .filter((e) => e.type === 'status')
      .map((e) => (e.data as { status: string }).status);
    assert.deepEqual(statuses.slice(-2), ['cancelling', 'cancelled']);
    assert.equal(events.at(-1)!.type, 'outcome');
  });
});
