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
});
