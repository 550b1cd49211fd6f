/**
 * Admission per requester in PostgreSQL (`ledger:admit-request`): at most `limit` of a requester's
 * requests hold a place, the rest are admitted in the order they asked as places are given up,
 * nobody is admitted twice under concurrent asks, a request's end frees its place whoever writes
 * it, and a place whose workflow is closed is freed by a check.
 */
import assert from 'node:assert/strict';
import { admitRequest } from '../../../activities/ledger/admit-request';
import { recordStatus } from '../../../activities/ledger/record-status';
import type { LedgerDeps } from '../../../activities/ledger/deps';
import { getStack, type TestStack } from '../../harness/stack';
import { runTask } from './run-task';

interface Answer {
  admitted: boolean;
  ahead: number;
  running: number;
  others: string[];
}

describe('admission per requester (ledger:admit-request)', function () {
  this.timeout(60_000);
  let stack: TestStack;
  let deps: LedgerDeps;
  /** Workflows the holder check is told are closed. */
  const closed = new Set<string>();
  const run = Math.random().toString(36).slice(2, 8);
  let requesters = 0;
  /** A requester of its own for each test, so the tests share no queue. */
  const requester = () => `adm-${run}-${requesters++}@example.test`;
  const ask = (who: string, n: number, move: 'enter' | 'leave', limit = 2, checkHolders = false) =>
    runTask(admitRequest, deps, {
      requestId: `req_${who}_${n}`,
      requester: who,
      workflowId: `wf_${who}_${n}`,
      limit,
      move,
      checkHolders,
    }) as Promise<Answer>;

  before(async () => {
    stack = await getStack();
    deps = { pool: stack.pool, workflowRunning: async (id) => !closed.has(id) };
  });

  it('admits up to the limit, queues the rest in order, and hands a given-up place to the next', async () => {
    const who = requester();
    const first = await ask(who, 1, 'enter');
    const second = await ask(who, 2, 'enter');
    const third = await ask(who, 3, 'enter');
    const fourth = await ask(who, 4, 'enter');
    assert.deepEqual(
      [first, second].map((a) => a.admitted),
      [true, true],
    );
    assert.deepEqual(third, { admitted: false, ahead: 0, running: 2, others: [] });
    assert.deepEqual(fourth, { admitted: false, ahead: 1, running: 2, others: [] });
    // Asking again keeps the place in the queue.
    assert.deepEqual(await ask(who, 4, 'enter'), fourth);

    const left = await ask(who, 1, 'leave');
    assert.deepEqual(left.others, [`wf_${who}_3`], 'the first in line is admitted, and named for its signal');
    assert.equal(left.admitted, false);
    assert.equal((await ask(who, 3, 'enter')).admitted, true);
    assert.deepEqual(await ask(who, 4, 'enter'), { admitted: false, ahead: 0, running: 2, others: [] });
    // Leaving twice frees nothing twice.
    assert.deepEqual((await ask(who, 1, 'leave')).others, []);
  });

  it('admits exactly the limit when many ask at once', async () => {
    const who = requester();
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => ask(who, i, 'enter', 3)));
    assert.equal(answers.filter((a) => a.admitted).length, 3);
    const { rows } = await stack.pool.query(
      'SELECT count(*)::int AS n FROM request_admissions WHERE requester = $1 AND admitted_at IS NOT NULL',
      [who],
    );
    assert.equal(rows[0].n, 3);
  });

  it('a raised limit admits the queue at the next ask, and other requesters are not counted', async () => {
    const who = requester();
    const other = requester();
    for (let i = 0; i < 4; i++) await ask(who, i, 'enter', 1);
    assert.equal((await ask(other, 0, 'enter', 1)).admitted, true);
    // The ones before it in line go first, even when the one asking learnt of the new limit.
    const raised = await ask(who, 3, 'enter', 3);
    assert.deepEqual(raised, {
      admitted: false,
      ahead: 0,
      running: 3,
      others: [`wf_${who}_1`, `wf_${who}_2`],
    });
  });

  it("a request's final status frees its place, whoever writes it", async () => {
    const who = requester();
    assert.equal((await ask(who, 1, 'enter', 1)).admitted, true);
    assert.equal((await ask(who, 2, 'enter', 1)).admitted, false);
    const end = (status: 'running' | 'failed') =>
      runTask(recordStatus, deps, {
        requestId: `req_${who}_1`,
        traceId: `trc_${who}_1`,
        requester: who,
        workflowId: `wf_${who}_1`,
        status,
      });
    await end('running');
    assert.equal((await ask(who, 2, 'enter', 1)).admitted, false, 'running still holds it');
    await end('failed');
    assert.equal((await ask(who, 2, 'enter', 1)).admitted, true);
  });

  it('frees the place of a holder whose workflow is closed, once the place is old enough to check', async () => {
    const who = requester();
    assert.equal((await ask(who, 1, 'enter', 1)).admitted, true);
    closed.add(`wf_${who}_1`);
    assert.equal(
      (await ask(who, 2, 'enter', 1, true)).admitted,
      false,
      'a place taken just now is not checked',
    );
    await stack.pool.query(
      `UPDATE request_admissions SET admitted_at = now() - interval '2 minutes' WHERE request_id = $1`,
      [`req_${who}_1`],
    );
    assert.equal((await ask(who, 2, 'enter', 1)).admitted, false, 'only a check frees it');
    assert.equal((await ask(who, 2, 'enter', 1, true)).admitted, true);
  });
});
