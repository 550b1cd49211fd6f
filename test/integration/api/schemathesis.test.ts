/**
 * The API against its own OpenAPI document, by schemathesis (pinned in
 * scripts/python-requirements.txt, run from the project's venv): every check, the examples,
 * coverage, fuzzing and stateful phases (the last follows the document's links, from a submission
 * to its status, file, cancel and re-run, from a token to its revocation). The run is bounded in
 * examples so it takes a few minutes on a loaded machine; any failure fails the test with
 * schemathesis' own report, which names the call that reproduces it.
 *
 * It runs on the shared stack, workers included, so the requests it submits really run: the
 * placement matrix it edits is put back afterwards, and what it left running is cancelled.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { seedOfferings } from '../../../api/routes/offerings/seed';
import { waitFor } from '../../../platform/net';
import { getStack, type TestStack } from '../../harness/stack';
import { pythonVenv } from '../../conformance/fixture';
import { startTestApi, TEST_RATE_LIMITS, type TestApi } from './api-client';

describe('the API under schemathesis', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let api: TestApi;
  let venv: string;
  const subject = `schemathesis-${Date.now().toString(36)}@example.test`;
  let placement: unknown[];

  before(async () => {
    venv = pythonVenv();
    stack = await getStack();
    // The limit stays far above what one run sends: 429 is documented, but a run spent on it
    // would test the limiter instead of the routes.
    // An event stream it follows ends within a second, or it would wait for the request's end.
    api = await startTestApi(stack, TEST_RATE_LIMITS, { eventStream: { maxMs: 1_000 } });
    ({ rows: placement } = await stack.pool.query('SELECT * FROM placement_matrix'));
  });

  after(async () => {
    // Whatever it submitted and left running ends before the next tests, and the matrix is as it was.
    const { rows } = await stack.pool.query<{ request_id: string }>(
      `SELECT request_id FROM requests WHERE requester = $1 AND status IN ('received', 'running')`,
      [subject],
    );
    const admin = await api.tokenFor('admin');
    for (const { request_id: id } of rows)
      await api.call('POST', `/v1/requests/${id}/cancel`, { token: admin });
    await waitFor(
      'the requests schemathesis left to end',
      async () => {
        const { rows: open } = await stack.pool.query(
          `SELECT 1 FROM requests WHERE requester = $1 AND status IN ('received', 'running')`,
          [subject],
        );
        return open.length === 0;
      },
      120_000,
      500,
    );
    await restorePlacement(stack, placement);
    // The admin settings it may change (the default onFailure, the pause length) go back to the defaults.
    await stack.pool.query('DELETE FROM settings');
    // The offerings it may create, change or retire go back to the lab's.
    await stack.pool.query('DELETE FROM offerings');
    await seedOfferings(stack.pool);
    await api.close();
  });

  it('finds no failure with every check, stateless and stateful', async () => {
    const token = await api.tokenFor('admin', subject);
    const args = [
      '--config-file',
      path.join(__dirname, 'schemathesis.toml'),
      'run',
      `${api.baseUrl}/openapi.json`,
      '--url',
      api.baseUrl,
      '-H',
      `Authorization: Bearer ${token}`,
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--mode',
      'all',
      '--max-examples',
      '15',
      // One seed, so a failure reproduces; another seed explores other cases.
      '--seed',
      '14',
      '--workers',
      '1',
      '--request-timeout',
      '20',
      '--no-color',
    ];
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        path.join(venv, 'bin', 'schemathesis'),
        args,
        {
          cwd: stack.tmpDir,
          timeout: 270_000,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: stack.tmpDir,
            PYTHONDONTWRITEBYTECODE: '1',
          },
        },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            output: `${stdout}\n${stderr}`.replaceAll(token, '<token>'),
          }),
      );
    });
    assert.equal(run.code, 0, `schemathesis failed (exit ${run.code}):\n${run.output}`);
    assert.match(run.output, /Stateful/i, 'the stateful phase ran');
  });
});

/** Puts the placement matrix back as it was before the run. */
async function restorePlacement(stack: TestStack, rows: unknown[]) {
  const client = await stack.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM placement_matrix');
    await client.query(
      'INSERT INTO placement_matrix SELECT * FROM jsonb_populate_recordset(NULL::placement_matrix, $1)',
      [JSON.stringify(rows)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
