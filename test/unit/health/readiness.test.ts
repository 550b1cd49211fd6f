/**
 * Readiness tells a queue whose workers are all busy (ready, with its backlog) from one no worker
 * serves (not ready), from Temporal's pollers and backlog stats.
 */
import assert from 'node:assert/strict';
import { POLLER_FRESHNESS_MS, queueCheck } from '../../../api/routes/health/readiness';

const NOW = 1_800_000_000_000;
const polledAgo = (ms: number) => ({
  lastAccessTime: { seconds: Math.floor((NOW - ms) / 1000), nanos: 0 },
  identity: 'worker@host',
});
const backlog = (tasks: number, ageSeconds = 0, dispatchRate = 0) => ({
  approximateBacklogCount: tasks,
  approximateBacklogAge: { seconds: ageSeconds, nanos: 0 },
  tasksAddRate: 2,
  tasksDispatchRate: dispatchRate,
});

describe('readiness of a task queue', () => {
  it('a worker polling is ready, with the backlog in figures', () => {
    const check = queueCheck([polledAgo(1_000)], backlog(3, 12, 1), NOW);
    assert.equal(check.ok, true);
    assert.equal(check.state, 'polling');
    assert.deepEqual(check.backlog, { tasks: 3, oldestSeconds: 12, addRate: 2, dispatchRate: 1 });
    assert.equal(check.pollers, 1);
    assert.match(check.detail!, /3 task\(s\) waiting, oldest 12 s/);
  });

  it('a worker with every slot busy (no recent poll, tasks waiting) is busy, not absent: ready', () => {
    const check = queueCheck([polledAgo(POLLER_FRESHNESS_MS + 60_000)], backlog(40, 300), NOW);
    assert.equal(check.ok, true);
    assert.equal(check.state, 'busy');
    assert.equal(check.pollers, 0);
    assert.equal(check.knownPollers, 1);
    assert.equal(check.backlog.tasks, 40);
    assert.match(check.detail!, /every worker slot is busy; 40 task\(s\) waiting, oldest 300 s/);
  });

  it('tasks still handed out with no recent poll is busy too', () => {
    const check = queueCheck([polledAgo(POLLER_FRESHNESS_MS + 1_000)], backlog(0, 0, 0.5), NOW);
    assert.equal(check.state, 'busy');
  });

  it('no worker at all, or one long gone with nothing waiting, is not ready', () => {
    for (const check of [
      queueCheck([], backlog(5, 60), NOW),
      queueCheck([], null, NOW),
      queueCheck([polledAgo(POLLER_FRESHNESS_MS + 1_000)], backlog(0), NOW),
    ]) {
      assert.equal(check.ok, false);
      assert.equal(check.state, 'absent');
      assert.equal(check.detail, 'no worker is polling this task queue');
    }
  });
});
