import assert from 'node:assert/strict';
import { loadApiConfig, loadWorkerConfig } from '../../../platform/config';

describe('process configuration', () => {
  it('applies defaults around the one required variable', () => {
    const cfg = loadApiConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5/db' });
    assert.equal(cfg.TEMPORAL_UI_URL, 'http://127.0.0.1:8233');
    assert.equal(cfg.API_PORT, 8080);
  });

  const refused: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['no database URL', {}, /DATABASE_URL/],
    ['a database URL of another scheme', { DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres/],
    ['a port out of range', { DATABASE_URL: 'postgres://x', API_PORT: '70000' }, /API_PORT/],
    ['an unknown log level', { DATABASE_URL: 'postgres://x', LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ];
  for (const [name, env, message] of refused) {
    it(`refuses to start with ${name}`, () => assert.throws(() => loadApiConfig(env), message));
  }

  it('parses the worker shutdown grace period', () => {
    assert.equal(
      loadWorkerConfig({ DATABASE_URL: 'postgres://x', WORKER_SHUTDOWN_GRACE_MS: '250' })
        .WORKER_SHUTDOWN_GRACE_MS,
      250,
    );
  });

  it('reads the task queues a worker serves, all of them when unset, and refuses an unknown one by name', () => {
    const db = { DATABASE_URL: 'postgres://x' };
    assert.equal(loadWorkerConfig(db).WORKER_TASK_QUEUES, undefined);
    assert.deepEqual(
      loadWorkerConfig({ ...db, WORKER_TASK_QUEUES: ' orchestrator-bulk, tfe,tfe' }).WORKER_TASK_QUEUES,
      ['orchestrator-bulk', 'tfe'],
    );
    assert.throws(
      () => loadWorkerConfig({ ...db, WORKER_TASK_QUEUES: 'orchestrator,bulk' }),
      /WORKER_TASK_QUEUES: unknown task queue\(s\) bulk; the queues are orchestrator, orchestrator-bulk/,
    );
  });

  it('reads REQUEST_BULK_AFTER, at least 1', () => {
    const db = { DATABASE_URL: 'postgres://x' };
    assert.equal(loadApiConfig(db).REQUEST_BULK_AFTER, 1);
    assert.equal(loadApiConfig({ ...db, REQUEST_BULK_AFTER: '8' }).REQUEST_BULK_AFTER, 8);
    assert.throws(() => loadApiConfig({ ...db, REQUEST_BULK_AFTER: '0' }), /REQUEST_BULK_AFTER/);
  });
});
